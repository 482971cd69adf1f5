"""A hub supervisor marks an integrity incident as reviewed with a comment: audited, the
incident kept as found, /metrics counting the unreviewed ones apart."""
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.auth.cli import create_user
from kiosk.extensions import db
from kiosk.models import AuditLog, HubIntegrityIncident
from kiosk.models.base import utcnow
from tests.revisions import revisions

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
PASSWORD = "correct horse battery staple"
FOUND = {"hall_code": "530102-WH", "kind": "gap", "seq_from": 2, "seq_to": 3, "count": 1,
         "record_id": None, "detail": "confirmed to the hall, never received",
         "batch_id": "b-1"}


def add_incident(hub_app) -> int:
    with hub_app.app_context():
        row = HubIntegrityIncident(**FOUND, detected_at=utcnow())
        db.session.add(row)
        db.session.commit()
        return row.id


def sign_in(hub_app, role: str):
    with hub_app.app_context():
        create_user(f"u-{role}", PASSWORD, role)
    client = hub_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": f"u-{role}", "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302
    return client


def form_token(client) -> str:
    page = client.get("/hub/integrity").get_data(as_text=True)
    return re.search(r'class="review-form".*?name="csrf_token" value="([^"]+)"', page,
                     re.S).group(1)


def test_a_supervisor_reviews_an_incident_which_stays_as_found(hub_app):
    incident = add_incident(hub_app)
    client = sign_in(hub_app, "manager")
    assert "kiosk_integrity_incidents_unreviewed{hall=\"530102-WH\",kind=\"gap\"} 1.0" in \
        client.get("/metrics").get_data(as_text=True)
    url = f"/hub/integrity/{incident}/review"
    assert client.post(url, data={"note": "看过了"}).status_code == 400  # no CSRF token
    token = form_token(client)
    r = client.post(url, data={"note": "  ", "csrf_token": token}, follow_redirects=True)
    assert "请填写复核意见" in r.get_data(as_text=True)
    r = client.post(url, data={"note": "断网期间大厅重装系统，已约谈。", "csrf_token": token},
                    follow_redirects=True)
    assert "已标记为已复核" in r.get_data(as_text=True)
    with hub_app.app_context():
        row = db.session.get(HubIntegrityIncident, incident)
        assert {k: getattr(row, k) for k in FOUND} == FOUND  # what was found is untouched
        assert (row.reviewed_by, row.review_note) == ("u-manager", "断网期间大厅重装系统，已约谈。")
        entry = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "hub_review_incident")).one()
        assert entry.actor == "u-manager" and entry.entity_id == str(incident)
        db.session.remove()
    again = client.post(url, data={"note": "再看一次", "csrf_token": token},
                        follow_redirects=True)
    assert "此异常已复核过" in again.get_data(as_text=True)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'kiosk_integrity_incidents{hall="530102-WH",kind="gap"} 1.0' in metrics
    assert 'kiosk_integrity_incidents_unreviewed{hall="530102-WH",kind="gap"} 0.0' in metrics
    assert "data-incident" not in client.get("/hub/integrity").get_data(as_text=True)
    shown = client.get("/hub/integrity?show=all").get_data(as_text=True)
    assert "✓ 已复核" in shown and "断网期间大厅重装系统" in shown


def test_an_auditor_sees_incidents_but_cannot_review(hub_app):
    incident = add_incident(hub_app)
    client = sign_in(hub_app, "auditor")
    page = client.get("/hub/integrity").get_data(as_text=True)
    assert f'data-incident="{incident}"' in page and "review-form" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/hub/integrity/{incident}/review", data={"note": "x", "csrf_token": token})
    assert r.status_code == 403
    with hub_app.app_context():
        assert db.session.get(HubIntegrityIncident, incident).reviewed_at is None
        db.session.remove()



@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_migration_keeps_incidents_unreviewed(tmp_path, pg_url, engine):
    before, mine = revisions("incident_review")
    url = f"sqlite:///{tmp_path / 'hub.db'}" if engine == "sqlite" else pg_url
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "ROLE": "hub",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO hub_integrity_incident (hall_code, kind, seq_from, seq_to, count, "
                "record_id, detail, batch_id, detected_at) VALUES ('530102-WH', 'gap', 2, 3, 1, "
                "NULL, 'never received', 'b-1', '2026-11-30 09:00:00')"))
        upgrade(revision=mine)
        with db.engine.connect() as conn:
            row = conn.execute(sa.text(
                "SELECT hall_code, kind, seq_from, seq_to, detail, reviewed_at, reviewed_by, "
                "review_note FROM hub_integrity_incident")).one()
        db.engine.dispose()
    assert tuple(row) == ("530102-WH", "gap", 2, 3, "never received", None, None, None)
