"""Signed batches sent as any registered hall, over HTTP to a real hub, and valid records
to start from (built by the hall's own record builders)."""
import json
import time
import uuid
from datetime import timedelta

import httpx
from uuid6 import uuid7

from kiosk.models.base import utcnow
from kiosk.ratings.facts import HallFacts, StoredRating
from kiosk.ratings.record import rating_event_record, rating_record
from kiosk.sync import signing
from kiosk.sync.wire import gzip_bytes

PATH = "/hub/api/v1/batches"


def post_batch(hub_url: str, hall_code: str, key: str, items: list, **batch) -> httpx.Response:
    body = gzip_bytes(json.dumps({"batch_id": "s1", "hall": hall_code, "items": items,
                                  **batch}).encode())
    headers = signing.signed_headers(hall_code, key.encode(), "POST", PATH, body, time.time())
    return httpx.post(hub_url + PATH, content=body, timeout=20, headers={
        **headers, "Content-Encoding": "gzip", "Content-Type": "application/json"})


def send(hub_url: str, hall_code: str, key: str, items: list) -> dict:
    r = post_batch(hub_url, hall_code, key, items)
    assert r.status_code == 200, r.text
    return r.json()


def rating(level: int = 5, comment: str = "", rid=None, **changes) -> dict:
    stored = StoredRating(
        id=rid or uuid7(), level=level, scale=5, channel="touch", window_code="A01",
        rated_at=utcnow() - timedelta(minutes=5),
        reasons=["R01"] if level >= 4 else [], comment=comment, phone=None,
        is_default=False, source_ref=None, uninvited=False, query_code=None)
    record = rating_record(stored, HallFacts("测试大厅", "530102", "11530102MB1234567X"))
    return {**record, **changes}


def event(rating_id: str, kind: str = "excluded", status=None, at=None, **changes) -> dict:
    at = at or utcnow()
    record = rating_event_record(event_id=uuid7(), rating_id=uuid.UUID(rating_id), event=kind,
                                 status=status, at=at)
    return {**record, **changes}


def reasons(answer: dict) -> dict[str, str]:
    return {r["id"]: r["reason"] for r in answer["rejected"]}
