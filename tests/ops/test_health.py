"""/healthz on a hall: healthy when nothing optional is configured, 503 naming the failing
check otherwise; on a hub (PostgreSQL) as well."""
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Device, OutboxEntry
from kiosk.models.base import utcnow
from kiosk.ops.probes import LISTENER_HEARTBEAT_FILE

pytestmark = pytest.mark.timeout(30)


def test_hall_without_devices_or_upstream_is_healthy(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "ok" and r.json["failing"] == []
    assert r.json["checks"]["database"]["status"] == "ok"
    assert r.json["checks"]["listener"]["status"] == "not_configured"
    assert r.json["checks"]["sync"]["status"] == "not_configured"
    assert r.headers["Cache-Control"] == "no-store"


def _add_device(app, last_seen):
    with app.app_context():
        db.session.add(Device(protocol="evp", port="/dev/evaluator-bus0", address=1,
                              online=last_seen is not None, last_seen=last_seen))
        db.session.commit()


def test_stale_listener_heartbeat_is_503_named_listener(app, client):
    _add_device(app, utcnow() - timedelta(minutes=10))
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json["failing"] == ["listener"]
    assert r.json["checks"]["listener"]["heartbeat_age_s"] >= 600


def test_device_never_seen_is_stale(app, client):
    _add_device(app, None)
    assert client.get("/healthz").json["failing"] == ["listener"]


def test_heartbeat_file_keeps_listener_healthy_while_devices_are_offline(app, client):
    _add_device(app, utcnow() - timedelta(hours=3))
    Path(app.instance_path, LISTENER_HEARTBEAT_FILE).touch()
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["checks"]["listener"]["status"] == "ok"


def test_old_heartbeat_file_fails(app, client):
    beat = Path(app.instance_path, LISTENER_HEARTBEAT_FILE)
    beat.touch()
    old = time.time() - 3600
    os.utime(beat, (old, old))
    assert client.get("/healthz").json["failing"] == ["listener"]


def _queue(app, age: timedelta):
    with app.app_context():
        db.session.add(OutboxEntry(kind="rating", record_id="r-1", payload={},
                                   created_at=utcnow() - age))
        db.session.commit()


def test_sync_backlog_age_within_limit_is_ok(app, client):
    app.config["SYNC_URL"] = "https://hub.example"
    _queue(app, timedelta(minutes=5))
    r = client.get("/healthz")
    assert r.status_code == 200
    sync = r.json["checks"]["sync"]
    assert sync["status"] == "ok" and sync["pending"] == 1


def test_old_sync_backlog_is_503_named_sync(app, client):
    app.config["SYNC_URL"] = "https://hub.example"
    _queue(app, timedelta(hours=2))
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json["failing"] == ["sync"]
    assert r.json["checks"]["sync"]["oldest_unsynced_age_s"] >= 7200


def test_unreachable_database_is_503_named_database(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'no' / 'hall.db'}",
    })
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["failing"] == ["database"]
    assert set(r.json["checks"]) == {"database"}


@pytest.mark.postgres
def test_hub_on_postgresql_is_healthy_and_has_no_listener_check(hub_app):
    r = hub_app.test_client().get("/healthz")
    assert r.status_code == 200, r.json
    assert r.json["role"] == "hub"
    assert r.json["checks"]["database"]["dialect"] == "postgresql"
    assert "listener" not in r.json["checks"]


def test_hub_with_unreachable_postgresql_is_503(tmp_path):
    app = create_app({
        "TESTING": True, "ROLE": "hub", "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    })
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["failing"] == ["database"]
