"""A batch sent as a run of the hall's chain (docs/sync-api.md, "links"): the PostgreSQL hub
computes each link itself and stores the very links the hall made; a run that does not end
on its stated hash stores nothing and asks for each link, and the chain check then says
which record differs; a malformed run is refused whole."""
import json
from datetime import datetime

import pytest

from kiosk.extensions import db
from kiosk.hub.chain_check import BadRun, sent_run
from kiosk.sync import settings
from kiosk.sync.client import HubClient, HubError
from kiosk.sync.wire import decode_lines, encode_batch
from kiosk.sync.worker import Worker, drain
from tests.hubkit import HALL_CODE, configure_hall, hall_ids, hub_ids, make_ratings, wire_items
from tests.hubkit import hub_incidents as incidents
from tests.integrity.test_hub_chain import outbox, raw, sent_links, stored_links

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def hall(app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key)
    return app


def sync_seen(app, config: bool = True) -> list[tuple[dict, list[bytes], dict]]:
    """Drains the hall as the daemon does; (header, envelopes, answer) of every batch the
    hub answered. config=False: the hub's config is never read (as from a hub that does
    not publish what it accepts)."""
    seen = []
    with app.app_context():
        worker = Worker(db.engine, settings.load(app))
        if not config:
            worker.config_due_at = datetime.max
        send = worker.client.send_batch

        def noting(body: bytes) -> dict:
            answer = send(body)
            lines = body.split(b"\n")
            seen.append((json.loads(lines[0]), [line.split(b"\t")[0] for line in lines[1:]],
                         answer))
            return answer

        worker.client.send_batch = noting
        try:
            drain(worker)
        finally:
            worker.close()
    return [s for s in seen if s[1]]  # the empty chain report after draining aside


def test_a_run_carries_no_link_per_line_and_the_hub_stores_the_links_the_hall_made(hall,
                                                                                  hub_app):
    make_ratings(hall, 4)
    make_ratings(hall, 2, level=5)  # and their case events
    (header, envelopes, answer), = sync_seen(hall)
    rows = outbox(hall)
    first, last = json.loads(rows[0].envelope)["chain"], json.loads(rows[-1].envelope)["chain"]
    assert header["links"] == {"seq": 1, "prev": first["prev"], "hash": last["hash"]}
    assert envelopes == [b"{}"] * 8 and len(answer["stored"]) == 8
    assert stored_links(hub_app) == sent_links(hall)
    assert incidents(hub_app) == []


def test_a_hub_that_does_not_say_it_takes_runs_gets_each_link(hall, hub_app):
    make_ratings(hall, 3)
    (header, envelopes, answer), = sync_seen(hall, config=False)
    assert "links" not in header and all(e.startswith(b'{"chain":') for e in envelopes)
    assert len(answer["stored"]) == 3 and stored_links(hub_app) == sent_links(hall)


def test_a_changed_record_makes_the_hub_ask_for_each_link_and_then_name_it(hall, hub_app):
    make_ratings(hall, 3)
    target = outbox(hall)[1]
    raw(hall, "UPDATE outbox SET payload = :p WHERE id = :id", id=target.id,
        p=json.dumps({**target.payload, "level": 5, "level_name": "非常不满意"}))
    (run_header, run_envelopes, asked), (full_header, full_envelopes, answer) = sync_seen(hall)
    assert asked == {"batch_id": run_header["batch_id"], "stored": [], "duplicate": [],
                     "rejected": [], "links_needed": True}
    assert "links" not in full_header and all(e.startswith(b'{"chain":') for e in full_envelopes)
    assert answer["rejected"] == [{"id": target.record_id, "reason": "chain_mismatch"}]
    assert incidents(hub_app) == [(HALL_CODE, "hash_mismatch", 2, 2)]
    assert hub_ids(hub_app) == sorted(set(hall_ids(hall)) - {target.record_id})


def test_a_hall_with_a_deleted_record_sends_each_link_and_the_gap_is_found(hall, hub_app):
    make_ratings(hall, 4)
    raw(hall, "DELETE FROM outbox WHERE seq = 2")
    (header, envelopes, _), = sync_seen(hall)
    assert "links" not in header and len(envelopes) == 3  # not a run: seqs 1, 3, 4
    assert incidents(hub_app) == [(HALL_CODE, "gap", 2, 2)]


def _post(hall, header: dict, lines: list[bytes]) -> dict:
    with hall.app_context():
        client = HubClient(settings.load(hall))
        try:
            return client.send_batch(b"\n".join([json.dumps(header).encode(), *lines]))
        finally:
            client.close()


@pytest.mark.parametrize("links", [
    {"seq": 0, "prev": "0" * 64, "hash": "0" * 64},
    {"seq": 1, "prev": "0" * 63, "hash": "0" * 64},
    {"seq": 2**63 - 1, "prev": "0" * 64, "hash": "0" * 64},  # the run would pass the limit
    {"seq": True, "prev": "0" * 64, "hash": "0" * 64},
    "1",
])
def test_a_malformed_run_is_refused_whole(hall, hub_app, links):
    make_ratings(hall, 2)
    lines = [b"{}\t" + text.encode() for _, text in wire_items(hall)]
    with pytest.raises(HubError, match="400"):
        _post(hall, {"batch_id": "m", "links": links}, lines)
    assert hub_ids(hub_app) == []


def test_a_run_whose_lines_carry_links_or_an_unreadable_line(hall, hub_app):
    make_ratings(hall, 2)
    items = wire_items(hall)
    first = json.loads(items[0][0])["chain"]
    links = {"seq": 1, "prev": first["prev"], "hash": json.loads(items[1][0])["chain"]["hash"]}
    with pytest.raises(HubError, match="400"):  # links twice: which would count?
        _post(hall, {"batch_id": "l", "links": links},
              [f"{env}\t{text}".encode() for env, text in items])
    unreadable = _post(hall, {"batch_id": "u", "links": links},
                       [b"{}\t" + items[0][1].encode(), b"{}\t" + items[1][1][:-1].encode()])
    assert unreadable["links_needed"] is True and hub_ids(hub_app) == []
    stored = _post(hall, {"batch_id": "ok", "links": links},
                   [b"{}\t" + text.encode() for _, text in items])
    assert len(stored["stored"]) == 2 and incidents(hub_app) == []


def test_links_belong_to_a_batch_of_lines_only():
    with pytest.raises(BadRun):
        sent_run({"items": [], "links": {"seq": 1, "prev": "0" * 64, "hash": "0" * 64}}, None)
    lines = decode_lines(encode_batch(batch_id="b", hall_id="h", sent_at="", backlog={},
                                      items=[(None, '{"id":"a"}')]))
    assert sent_run(lines.header, lines) is None
