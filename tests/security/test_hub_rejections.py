"""Every reason the hub gives for refusing a record has a test: each bad record is refused
alone, with its reason, and the good record beside it in the same batch is stored."""
import re
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.models.base import utcnow
from tests.hubkit import HALL_CODE
from tests.security.hubsend import event, rating, reasons, send

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
HUB_CODE = Path(__file__).resolve().parents[2] / "kiosk" / "hub"
FUTURE = (utcnow() + timedelta(days=3)).isoformat() + "+00:00"

RATING_CASES = {
    "unsupported_schema": {"schema": 99},
    "bad_id": {"id": "not-a-uuid"},
    "bad_scale": {"scale": 4},
    "bad_level": {"level": 9},
    "bad_channel": {"channel": "fax"},
    "bad_rated_at": {"rated_at": "2026-01-01T10:00:00"},  # no zone
    "rated_at_in_future": {"rated_at": FUTURE},
    "bad_comment": {"comment": "长" * 501},
    "bad_comment_characters": {"comment": "窗口\x00"},
    "bad_reasons": {"reasons": "R01"},
    "reasons_not_allowed": {"level": 1, "reasons": ["R01"]},
    "bad_window_code": {"window_code": 5},
    "bad_case_no": {"case_no": "X" * 51},
    "bad_is_default": {"is_default": "yes"},
    "bad_contact": {"contact": "not-sealed-by-this-hall"},
    "origin_not_allowed": {"origin_hall": "530103-PL"},
}
EVENT_CASES = {
    "bad_rating_id": {"rating_id": "nope"},
    "bad_event": {"event": "deleted"},
    "bad_status": {"event": "case_status", "status": "vanished"},
    "bad_due_at": {"event": "case_status", "status": "registered", "due_at": "tomorrow"},
    "bad_at": {"at": "2026-13-40T00:00:00+00:00"},
    "at_in_future": {"at": FUTURE},
}
# Tested elsewhere: conflict and foreign_rating in test_hub_tenancy.py, chain_mismatch with
# the hash chain (tests/integrity/test_hub_chain.py).
ELSEWHERE = {"conflict", "foreign_rating", "chain_mismatch"}
SHAPE_CASES = {"not_an_object": "a string, not a record", "unknown_kind": {"kind": "fax"}}


def reasons_in_code() -> set[str]:
    found = set()
    for path in HUB_CODE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'Rejected\("([a-z_]+)"\)', text))
        found |= set(re.findall(r'"reason": "([a-z_]+)"', text))
        found |= set(re.findall(r'^[A-Z_]+ = "([a-z_]+)"  # ', text, re.M))
        if path.name == "validate.py":  # its _uuid/_utc refuse as bad_<field>
            for field in re.findall(r'_(?:uuid|utc)\([^)]*?"([a-z_]+)"\)', text):
                found.add(f"bad_{field}")
            if re.search(r"_uuid\(item\.get\(\"id\"\)\)", text):
                found.add("bad_id")
    return found


def test_every_reason_in_the_code_has_a_test():
    tested = set(RATING_CASES) | set(EVENT_CASES) | set(SHAPE_CASES) | ELSEWHERE
    assert reasons_in_code() == tested, reasons_in_code() ^ tested


def test_each_bad_rating_is_refused_alone_with_its_reason(hub_app, hub_url, hall_key):
    good = rating(level=2)
    bad = {reason: {**rating(level=2), **change} for reason, change in RATING_CASES.items()}
    answer = send(hub_url, HALL_CODE, hall_key, [good, *bad.values()])
    assert answer["stored"] == [good["id"]]
    assert reasons(answer) == {item["id"]: reason for reason, item in bad.items()}


def test_each_bad_event_is_refused_alone_with_its_reason(hub_app, hub_url, hall_key):
    target = rating(level=5)
    good = event(target["id"], "case_status", status="registered")
    bad = {reason: {**event(target["id"]), **change} for reason, change in EVENT_CASES.items()}
    unsupported = {**event(target["id"]), "schema": 2}
    answer = send(hub_url, HALL_CODE, hall_key, [target, good, *bad.values(), unsupported])
    assert sorted(answer["stored"]) == sorted([target["id"], good["id"]])
    assert reasons(answer) == {**{item["id"]: reason for reason, item in bad.items()},
                               unsupported["id"]: "unsupported_schema"}


def test_records_of_no_known_shape(hub_app, hub_url, hall_key):
    answer = send(hub_url, HALL_CODE, hall_key, [SHAPE_CASES["not_an_object"],
                                                 {**SHAPE_CASES["unknown_kind"], "id": "k1"}])
    assert answer["rejected"] == [{"id": None, "reason": "not_an_object"},
                                  {"id": "k1", "reason": "unknown_kind"}]
