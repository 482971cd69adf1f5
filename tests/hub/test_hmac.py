"""Refused requests: wrong key, tampered body, stale timestamp, replayed nonce; all logged."""
import json
import time

import httpx
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import HubAuthRefusal, HubRating
from kiosk.sync import signing
from kiosk.sync.wire import gzip_bytes
from tests.hubkit import HALL_CODE

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(30)]
PATH = "/hub/api/v1/batches"


def batch_body() -> bytes:
    return gzip_bytes(json.dumps({"batch_id": "b1", "hall": HALL_CODE, "items": []}).encode())


def post(url, body, headers):
    return httpx.post(url + PATH, content=body, headers={
        **headers, "Content-Encoding": "gzip", "Content-Type": "application/json"})


def refusals(hub_app) -> list[str]:
    with hub_app.app_context():
        reasons = list(db.session.scalars(sa.select(HubAuthRefusal.reason)
                                          .order_by(HubAuthRefusal.id)))
        db.session.remove()
        return reasons


def test_a_correctly_signed_batch_is_accepted(hub_app, hub_url, hall_key):
    body = batch_body()
    r = post(hub_url, body, signing.signed_headers(HALL_CODE, hall_key.encode(), "POST", PATH,
                                                   body, time.time()))
    assert r.status_code == 200, r.text
    assert r.json() == {"batch_id": "b1", "stored": [], "duplicate": [], "rejected": []}


def test_wrong_key(hub_app, hub_url, hall_key):
    body = batch_body()
    r = post(hub_url, body, signing.signed_headers(HALL_CODE, b"not-the-key", "POST", PATH,
                                                   body, time.time()))
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"
    assert refusals(hub_app) == ["bad_signature"]


def test_tampered_body(hub_app, hub_url, hall_key):
    body = batch_body()
    headers = signing.signed_headers(HALL_CODE, hall_key.encode(), "POST", PATH, body,
                                     time.time())
    evil = gzip_bytes(json.dumps({"batch_id": "b1", "items": [{"id": "x"}]}).encode())
    r = post(hub_url, evil, headers)
    assert r.status_code == 401
    assert refusals(hub_app) == ["bad_signature"]


def test_stale_timestamp(hub_app, hub_url, hall_key, caplog):
    body = batch_body()
    old = time.time() - signing.MAX_SKEW_SECONDS - 5
    r = post(hub_url, body, signing.signed_headers(HALL_CODE, hall_key.encode(), "POST", PATH,
                                                   body, old))
    assert r.status_code == 401 and r.json()["error"] == "stale_timestamp"
    assert refusals(hub_app) == ["stale_timestamp"]


def test_replayed_nonce(hub_app, hub_url, hall_key):
    body = batch_body()
    headers = signing.signed_headers(HALL_CODE, hall_key.encode(), "POST", PATH, body,
                                     time.time())
    assert post(hub_url, body, headers).status_code == 200
    r = post(hub_url, body, headers)
    assert r.status_code == 401 and r.json()["error"] == "replayed_nonce"
    assert refusals(hub_app) == ["replayed_nonce"]


def test_unknown_hall_and_missing_headers(hub_app, hub_url, hall_key):
    body = batch_body()
    r = post(hub_url, body, signing.signed_headers("nobody", hall_key.encode(), "POST", PATH,
                                                   body, time.time()))
    assert r.status_code == 401
    assert post(hub_url, body, {}).status_code == 401
    assert refusals(hub_app) == ["unknown_hall", "missing_headers"]


def test_disabled_hall_is_forbidden(hub_app, hub_url, hall_key):
    from kiosk.models import HubHall

    with hub_app.app_context():
        db.session.execute(sa.update(HubHall).values(active=False))
        db.session.commit()
    body = batch_body()
    r = post(hub_url, body, signing.signed_headers(HALL_CODE, hall_key.encode(), "POST", PATH,
                                                   body, time.time()))
    assert r.status_code == 403
    with hub_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HubRating)) == 0


def test_refusal_is_in_the_app_log(hub_app, hub_url, hall_key, caplog):
    body = batch_body()
    with caplog.at_level("WARNING"):
        post(hub_url, body, signing.signed_headers(HALL_CODE, b"bad", "POST", PATH, body,
                                                   time.time()))
    assert any("bad_signature" in r.getMessage() for r in caplog.records)
