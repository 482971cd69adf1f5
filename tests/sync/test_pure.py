"""The pure parts: signing, records, wire, sealing, backoff, validation."""
import json
import random
import uuid
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.hub.validate import Rejected, rating_row
from kiosk.integrity.chain import envelope, links_for
from kiosk.ratings.facts import HallFacts, StoredRating
from kiosk.ratings.record import rating_event_record, rating_record, to_national
from kiosk.sync import signing
from kiosk.sync.sealing import SealError, derive_key, seal, unseal
from kiosk.sync.store import Claimed
from kiosk.sync.wire import BodyTooLarge, decode_lines, encode_batch, gunzip_bytes, gzip_bytes
from kiosk.sync.worker import backoff_delay, outcome_rows, run_header

NOW = datetime(2026, 3, 2, 2, 30)
HALL = HallFacts("五华区政务服务中心", "530102", "11530102MB1234567X")


def stored(**kw) -> StoredRating:
    base = dict(id=uuid.UUID("01890000-0000-7000-8000-000000000001"), level=4, scale=5,
                channel="evaluator", window_code="A01", rated_at=NOW, case_no="2026-XX-1",
                staff_no="YN0101", service_code="530102001000", reasons=["R01"],
                reason_version=1, comment="慢", phone="13812345678")
    return StoredRating(**{**base, **kw})


def test_signature_covers_every_part():
    args = ("POST", "/hub/api/v1/batches", 1700000000, "n1", b"body")
    sig = signing.sign(b"k", *args)
    assert signing.signature_matches(b"k", sig, *args)
    for i, changed in enumerate(("GET", "/x", 1700000001, "n2", b"bodY")):
        other = list(args)
        other[i] = changed
        assert not signing.signature_matches(b"k", sig, *other)
    assert not signing.signature_matches(b"k2", sig, *args)


def test_freshness_window():
    assert signing.is_fresh(1000, 1000 + signing.MAX_SKEW_SECONDS)
    assert not signing.is_fresh(1000, 1001 + signing.MAX_SKEW_SECONDS)
    assert not signing.is_fresh(1000 + 301, 1000)


def test_rating_record_has_no_phone_and_national_names():
    rec = rating_record(stored(), HALL)
    assert "13812345678" not in json.dumps(rec, ensure_ascii=False)
    assert rec["phone_masked"] == "138****5678" and rec["real_name"] is True
    assert rec["rated_at"] == "2026-03-02T02:30:00Z" and rec["level_name"] == "不满意"
    nat = to_national(rec)
    assert nat["satisfaction"] == 2 and nat["assessTime"] == "20260302T103000"
    assert nat["projectNo"] == "2026-XX-1" and nat["pf"] == 5 and nat["evalDetail"] == "R01"
    assert rating_record(stored(phone=None), HALL)["phone_masked"] is None  # anonymous


def test_event_record_checks_its_vocabulary():
    rec = rating_event_record(event_id=uuid.uuid4(), rating_id=uuid.uuid4(), event="excluded",
                              at=NOW)
    assert rec["kind"] == "rating_event" and rec["at"] == "2026-03-02T02:30:00Z"
    with pytest.raises(ValueError):
        rating_event_record(event_id=1, rating_id=2, event="case_status", at=NOW, status="x")


def test_validation_accepts_the_record_and_rejects_damage():
    rec = rating_record(stored(), HALL)
    row = rating_row(rec, "H", "H", NOW)
    assert row["rated_at"] == NOW and row["level"] == 4
    for damage, reason in (({"level": 7}, "bad_level"), ({"scale": 3, "level": 5}, "bad_level"),
                           ({"id": "nope"}, "bad_id"), ({"comment": "x" * 501}, "bad_comment"),
                           ({"level": 2}, "reasons_not_allowed"),
                           ({"rated_at": "2030-01-01T00:00:00Z"}, "rated_at_in_future")):
        with pytest.raises(Rejected) as err:
            rating_row({**rec, **damage}, "H", "H", NOW)
        assert err.value.reason == reason


@given(st.lists(st.text(max_size=30), max_size=20))
def test_batch_encoding_round_trips_each_record_byte_for_byte(texts):
    records = [json.dumps({"id": t, "comment": "a\tb\nc"}, ensure_ascii=i % 2 == 0)
               for i, t in enumerate(texts)]
    envelopes = [None if i % 3 else json.dumps({"origin_hall": "H"}) for i in range(len(texts))]
    raw = encode_batch(batch_id="b", hall_id="h", sent_at="s", backlog={"pending": 1},
                       items=list(zip(envelopes, records, strict=True)))
    decoded = decode_lines(gunzip_bytes(gzip_bytes(raw)))
    assert decoded.header["backlog"]["pending"] == 1 and decoded.refused == []
    assert [i["id"] for i in decoded.items] == texts
    assert decoded.texts == [r.encode() for r in records]
    assert [i.get("origin_hall") for i in decoded.items] == [
        None if e is None else "H" for e in envelopes]


def test_unreadable_lines_are_refused_one_by_one():
    raw = encode_batch(batch_id="b", hall_id="h", sent_at="s", backlog={}, items=[
        (None, '{"id":"ok"}'), ('{"chain":1}', '{"id":"ok2"}'), ("[]", '{"id":"e1"}'),
        ('{"level":5}', '{"id":"e2"}'), (None, '{"id":"e3","origin_hall":"X"}'),
        (None, '{"id":')]) + b"\nno tab here"
    decoded = decode_lines(raw)
    assert [i["id"] for i in decoded.items] == ["ok", "ok2"]
    assert decoded.refused == [{"id": "e1", "reason": "bad_envelope"},
                               {"id": "e2", "reason": "bad_envelope"},
                               {"id": "e3", "reason": "bad_envelope"},
                               {"id": None, "reason": "bad_json"},
                               {"id": None, "reason": "bad_json"}]
    with pytest.raises(ValueError):
        decode_lines(b"[]\n")


def test_gunzip_limits_size_and_spots_garbage():
    with pytest.raises(BodyTooLarge):
        gunzip_bytes(gzip_bytes(b"0" * 10_000), limit=1000)
    with pytest.raises(ValueError):
        gunzip_bytes(b"plain")
    with pytest.raises(ValueError):
        gunzip_bytes(gzip_bytes(b"0" * 1000)[:-10])


def test_sealing_binds_key_and_row():
    key = derive_key(b"hall key", "contact")
    token = seal(key, "13812345678", aad="r1")
    assert unseal(key, token, aad="r1") == "13812345678"
    with pytest.raises(SealError):
        unseal(key, token, aad="r2")
    with pytest.raises(SealError):
        unseal(derive_key(b"other", "contact"), token, aad="r1")


def test_backoff_doubles_with_jitter_up_to_a_minute():
    rng = random.Random(1)
    delays = [backoff_delay(n, rng) for n in range(1, 12)]
    assert 1 <= delays[0] <= 2 and all(d <= 60 for d in delays) and delays[-1] >= 30


def test_only_confirmed_rows_are_marked():
    claimed = [Claimed(i, "rating", f"r{i}", "{}") for i in range(4)]
    answer = {"stored": ["r0"], "duplicate": ["r1"], "rejected": [{"id": "r2", "reason": "x"}]}
    confirmed, rejected, unanswered = outcome_rows(claimed, answer)
    assert confirmed == [0, 1] and list(rejected) == [2] and unanswered == [3]


def test_hub_accepts_the_mobile_channels_events():
    from kiosk.hub.validate import event_row

    for event in ("supplement", "photos"):
        item = rating_event_record(event_id=uuid.uuid4(), rating_id=uuid.uuid4(), event=event,
                                   at=datetime(2026, 11, 24, 3, 0))
        row = event_row(item, "530102-WH", datetime(2026, 11, 24, 3, 1))
        assert row["event"] == event and row["status"] is None
    with pytest.raises(Rejected):
        event_row({**item, "event": "made_up"}, "530102-WH", datetime(2026, 11, 24, 3, 1))


def _claimed_run(n: int, first_seq: int = 1) -> list[Claimed]:
    texts = [json.dumps({"id": f"r{i}"}) for i in range(n)]
    links = links_for((t.encode() for t in texts), first_seq - 1, "a" * 64)
    return [Claimed(i, "rating", f"r{i}", t, json.dumps(envelope(link), separators=(",", ":")),
                    link.seq) for i, (t, link) in enumerate(zip(texts, links, strict=True))]


def test_a_run_is_sent_only_for_consecutive_own_records_as_stored():
    claimed = _claimed_run(4, first_seq=7)
    envelopes = [c.envelope_text for c in claimed]
    last = json.loads(claimed[-1].envelope_text)["chain"]["hash"]
    assert run_header(claimed, envelopes) == {"seq": 7, "prev": "a" * 64, "hash": last}
    assert run_header(claimed[:1], envelopes[:1])["hash"] == json.loads(
        claimed[0].envelope_text)["chain"]["hash"]
    gap = claimed[:2] + claimed[3:]
    assert run_header(gap, [c.envelope_text for c in gap]) is None
    forwarded = [*claimed[:3], Claimed(9, "rating", "f", "{}", '{"origin_hall":"H"}', None)]
    assert run_header(forwarded, [c.envelope_text for c in forwarded]) is None
    with_phone = [*envelopes[:3], envelopes[3][:-1] + ',"contact":"v1.x"}']
    assert run_header(claimed, with_phone) is None
    broken = [*claimed[:3], Claimed(3, "rating", "r3", "{}", "not json", 10)]
    assert run_header(broken, [c.envelope_text for c in broken]) is None
    assert run_header([], []) is None
