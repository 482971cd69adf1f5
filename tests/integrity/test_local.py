"""The hall checks its own chain: `flask integrity verify`, /healthz and /metrics."""
import json

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import OutboxEntry
from tests.hubkit import make_ratings


def _verify(app):
    return app.test_cli_runner().invoke(args=["integrity", "verify"])


def _tamper(app, sql: str, **params) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_an_intact_chain_verifies_everywhere(app, client):
    make_ratings(app, 3)
    make_ratings(app, 1, level=5)
    out = _verify(app)
    assert out.exit_code == 0 and "checked 5 records" in out.output and "intact" in out.output
    health = client.get("/healthz").get_json()["checks"]["chain"]
    assert health == {"status": "ok", "newest_seq": 5, "checked": 5}
    assert "kiosk_chain_intact 1.0" in client.get("/metrics").get_data(as_text=True)


def test_a_changed_level_fails_verify_healthz_and_metrics(app, client):
    make_ratings(app, 3)
    with app.app_context():
        row = db.session.scalars(sa.select(OutboxEntry).where(OutboxEntry.seq == 2)).one()
        payload = {**row.payload, "level": 1}
    _tamper(app, "UPDATE outbox SET payload = :p WHERE seq = 2", p=json.dumps(payload))
    out = _verify(app)
    assert out.exit_code == 1 and "hash_mismatch at seq 2" in out.output
    body = client.get("/healthz")
    assert body.status_code == 503 or body.get_json()["status"] == "fail"
    chain = body.get_json()["checks"]["chain"]
    assert chain["status"] == "fail" and chain["problems"] == ["hash_mismatch@2"]
    assert "kiosk_chain_intact 0.0" in client.get("/metrics").get_data(as_text=True)


def test_deleted_records_fail_verify(app):
    make_ratings(app, 4)
    _tamper(app, "DELETE FROM outbox WHERE seq = 2")
    out = _verify(app)
    assert out.exit_code == 1 and "gap at seq 2" in out.output
    _tamper(app, "DELETE FROM outbox WHERE seq = 4")  # the newest: only the head knows
    out = _verify(app)
    assert "head_mismatch" in out.output


def test_the_rating_table_is_compared_with_the_records(app):
    """Local statistics read the rating table: a level changed only there shows in verify."""
    first, second, third = make_ratings(app, 3)
    _tamper(app, "UPDATE rating SET level = 1 WHERE id = :r", r=second.replace("-", ""))
    _tamper(app, "DELETE FROM rating WHERE id = :r", r=third.replace("-", ""))
    out = _verify(app)
    assert out.exit_code == 1
    assert f"rating_differs at seq 2: rating {second}: level changed" in out.output
    assert f"rating_missing at seq 3: rating {third} is gone" in out.output
    assert first not in out.output
