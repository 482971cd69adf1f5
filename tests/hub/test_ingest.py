"""Ingest answers per record; events apply in time order; config flows down; dashboard."""
import json
import time
import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from uuid6 import uuid7

from kiosk.auth.cli import create_user
from kiosk.extensions import db
from kiosk.hub import keys
from kiosk.models import HubChainHead, HubHall, HubRating, OutboxEntry, Rating, ReasonTemplate
from kiosk.models.base import utcnow
from kiosk.ratings.record import rating_event_record
from kiosk.sync import settings, signing
from kiosk.sync.client import HubClient
from kiosk.sync.sealing import unseal
from kiosk.sync.wire import encode_batch, gzip_bytes
from kiosk.sync.worker import Worker, drain
from tests.hubkit import HALL_CODE, add_hall, configure_hall, hub_ids, hub_incidents, make_ratings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(30)]


def send(app, items: list[dict]) -> dict:
    with app.app_context():
        client = HubClient(settings.load(app))
        try:
            return client.send_batch(encode_batch(
                batch_id="t", hall_id=HALL_CODE, sent_at="", backlog={"pending": 7},
                items=[(None, json.dumps(i)) for i in items]))
        finally:
            client.close()


def outbox_payloads(app) -> list[dict]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxEntry.payload).order_by(OutboxEntry.id)))


@pytest.fixture
def hall(app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key)
    return app


def test_answer_per_record_stored_duplicate_rejected(hall, hub_app):
    make_ratings(hall, 2)
    good = outbox_payloads(hall)
    bad_level = {**good[0], "id": str(uuid7()), "level": 9}
    no_zone = {**good[0], "id": str(uuid7()), "rated_at": "2026-01-01T10:00:00"}
    answer = send(hall, [good[0], bad_level, no_zone, {"kind": "x", "id": "q"}])
    assert answer["stored"] == [good[0]["id"]]
    assert {r["reason"] for r in answer["rejected"]} == {"bad_level", "bad_rated_at",
                                                         "unknown_kind"}
    answer = send(hall, good)
    assert answer["duplicate"] == [good[0]["id"]] and answer["stored"] == [good[1]["id"]]


def test_rejected_rows_become_dead_letters(hall, hub_app):
    make_ratings(hall, 3)
    with hall.app_context():
        row = db.session.scalars(sa.select(OutboxEntry).limit(1)).first()
        row.payload = {**row.payload, "channel": "fax"}
        db.session.commit()
        worker = Worker(db.engine, settings.load(hall))
        total = drain(worker)
        worker.close()
        assert (total.stored, total.rejected) == (2, 1)
        dead = db.session.scalars(sa.select(OutboxEntry).where(OutboxEntry.dead)).all()
        assert len(dead) == 1 and "bad_channel" in dead[0].last_error


def test_events_apply_in_time_order_even_reordered(hall, hub_app):
    (rid,) = make_ratings(hall, 1, level=5)
    rating = outbox_payloads(hall)[0]
    t0 = utcnow()
    ev = [rating_event_record(event_id=uuid7(), rating_id=rid, event="case_status", at=t0,
                              status="registered", due_at=t0 - timedelta(days=1)),
          rating_event_record(event_id=uuid7(), rating_id=rid, event="case_status",
                              at=t0 + timedelta(hours=1), status="closed"),
          rating_event_record(event_id=uuid7(), rating_id=rid, event="excluded",
                              at=t0 + timedelta(hours=2))]
    send(hall, [ev[2], ev[1]])  # later events first, before the rating itself
    send(hall, [rating, ev[0], ev[1]])
    with hub_app.app_context():
        r = db.session.get(HubRating, uuid.UUID(rid))
        assert (r.case_status, r.excluded) == ("closed", True)


def test_config_flows_down_on_sync(hall, hub_app):
    with hub_app.app_context():
        db.session.add(ReasonTemplate(version=2, items=[{"code": "R09", "text": "新原因"}]))
        db.session.commit()
    from kiosk.models import HubHall

    with hub_app.app_context():
        db.session.scalars(sa.select(HubHall)).one().settings = {"allow_uninvited": False}
        db.session.commit()
    with hall.app_context():
        worker = Worker(db.engine, settings.load(hall))
        worker.run_once(utcnow())
        worker.close()
        latest = db.session.scalar(sa.select(sa.func.max(ReasonTemplate.version)))
        from kiosk.models import Hall

        assert latest == 2
        assert db.session.scalars(sa.select(Hall)).first().allow_uninvited is False


def test_phone_is_sealed_in_transit_and_at_rest(hall, hub_app):
    from kiosk.ratings.service import record_rating

    hall.config["SYNC_SEND_CONTACT"] = True
    with hall.app_context():
        rid = str(record_rating(window_code="A01", level=4, channel="evaluator",
                                phone="13812345678").rating.id)
        assert "13812345678" not in json.dumps(outbox_payloads(hall))
        worker = Worker(db.engine, settings.load(hall))
        drain(worker)
        worker.close()
    with hub_app.app_context():
        row = db.session.get(HubRating, uuid.UUID(rid))
        assert "13812345678" not in json.dumps(row.record) and row.record["real_name"]
        assert unseal(keys.contact_box(), row.contact_sealed, aad=rid) == "13812345678"
        db.session.remove()
    with hall.app_context():
        assert db.session.get(Rating, uuid.UUID(rid)).phone == "13812345678"


def test_oversize_and_garbage_bodies(hall, hub_app, hub_url, hall_key):
    path = "/hub/api/v1/batches"
    hub_app.config["HUB_MAX_BATCH_BYTES"] = 1000
    for body, status in ((gzip_bytes(b"{" + b" " * 5000 + b"}"), 413), (b"not gzip", 400)):
        headers = signing.signed_headers(HALL_CODE, hall_key.encode(), "POST", path, body,
                                         time.time())
        r = httpx.post(hub_url + path, content=body,
                       headers={**headers, "Content-Encoding": "gzip"})
        assert r.status_code == status


def test_dashboard_behind_login(hall, hub_app, hub_url):
    make_ratings(hall, 3)
    make_ratings(hall, 1, level=5)
    with hall.app_context():
        worker = Worker(db.engine, settings.load(hall))
        drain(worker)
        worker.close()
    with hub_app.app_context():
        create_user("boss", "correct horse battery staple", "manager")
    with httpx.Client(base_url=hub_url, follow_redirects=False) as web:
        assert web.get("/hub/").status_code in (302, 401)
    client = hub_app.test_client()
    hub_app.config["WTF_CSRF_ENABLED"] = False
    r = client.post("/login", data={"username": "boss", "password": "correct horse battery staple"})
    assert r.status_code == 302
    page = client.get("/hub/").get_data(as_text=True)
    assert HALL_CODE in page and "75.00%" in page


def test_a_city_hub_forwards_to_the_province(hall, hub_app, hub_url, tmp_path, pg_url, closes):
    """Tiers: the city hub stores, queues in its own outbox, and its daemon forwards with
    the origin hall kept (the province trusts the city hub to name it)."""
    import secrets

    from kiosk import create_app

    province_key = add_hall(hub_app, "CITY-KM", "昆明市", may_forward=True,
                            forwards_for=[HALL_CODE])
    city = closes(create_app({
        "TESTING": True, "ROLE": "hub", "INSTANCE_PATH": str(tmp_path / "city"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'city.db'}",
        "SECRET_KEY": secrets.token_hex(8), "SYNC_URL": hub_url,
        "SYNC_HALL_ID": "CITY-KM", "SYNC_KEY_FILE": str(tmp_path / "ck")}))
    (tmp_path / "ck").write_text(province_key)
    with city.app_context():
        db.create_all()
    from tests.hubkit import serve

    hall_on_city = add_hall(city)
    server, thread, city_url = serve(city)
    try:
        configure_hall(hall, city_url, hall_on_city)
        ids = make_ratings(hall, 4)
        with hall.app_context():
            drain(Worker(db.engine, settings.load(hall)))
        with city.app_context():
            assert drain(Worker(db.engine, settings.load(city))).stored == 4
    finally:
        server.close()
    assert hub_ids(hub_app) == sorted(ids)
    with hub_app.app_context():
        origins = set(db.session.scalars(sa.select(HubRating.origin_hall)))
        assert origins == {HALL_CODE}
        # The hall's chain went up unchanged: the province verified it link by link.
        assert db.session.get(HubChainHead, HALL_CODE).seq == 4
    assert hub_incidents(hub_app) == [] and hub_incidents(city) == []


@pytest.mark.parametrize("backlog", [{"pending": 2**31, "dead": 0}, {"pending": 3, "dead": -1},
                                     {"pending": 2**70, "dead": "7"}])
def test_a_backlog_no_column_holds_is_not_recorded_and_not_an_error(hall, hub_app, backlog):
    with hall.app_context():
        client = HubClient(settings.load(hall))
        try:
            answer = client.send_batch(encode_batch(batch_id="b", hall_id=HALL_CODE, sent_at="",
                                                    backlog=backlog, items=[]))
        finally:
            client.close()
    assert answer["stored"] == []
    with hub_app.app_context():
        hall_row = db.session.scalar(sa.select(HubHall).where(HubHall.code == HALL_CODE))
        reported = (hall_row.reported_backlog, hall_row.reported_dead)
        db.session.remove()
    assert reported == tuple(v if type(v) is int and 0 <= v < 2**31 else None
                             for v in (backlog["pending"], backlog["dead"]))
