"""A clerk signs in at a window with 工号 + PIN, pauses with a reason, resumes; pauses are
excluded from the window's service time; wrong PINs are slowed by a progressive delay."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk.auth.passwords import hash_password
from kiosk.extensions import db
from kiosk.models import AuditLog, Staff, StaffSession, Window, WindowPause
from kiosk.staffing.service_time import window_service_seconds

pytestmark = pytest.mark.timeout(30)
PIN = "482915"


@pytest.fixture
def clerk(app):
    with app.app_context():
        person = db.session.scalars(sa.select(Staff).where(Staff.staff_no == "YN0102")).one()
        person.pin_hash = hash_password(PIN)
        db.session.commit()
    return "YN0102"


def csrf(client, code="A01"):
    return client.get(f"/touch/{code}/clerk").get_json()["csrf_token"]


def act(client, action, staff_no, pin, reason=None, code="A01"):
    return client.post(f"/touch/{code}/clerk/{action}", json={"staff_no": staff_no, "pin": pin, "reason": reason},
                       headers={"X-CSRFToken": csrf(client, code)})


def test_sign_in_pause_resume_from_the_touchscreen(app, client, clerk):
    r = act(client, "sign-in", clerk, PIN)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["staff"]["staff_no"] == clerk
    assert client.get("/touch/A01/state").get_json()["staff"]["staff_no"] == clerk

    r = act(client, "pause", clerk, PIN, reason="午休")
    assert r.status_code == 200
    state = client.get("/touch/A01/state").get_json()
    assert state["paused"] is True and state["pause_reason"] == "午休"
    assert "暂停服务" in client.get("/touch/A01").get_data(as_text=True)

    assert act(client, "pause", clerk, PIN, reason="培训").status_code == 409  # already paused
    assert act(client, "resume", clerk, PIN).status_code == 200
    assert client.get("/touch/A01/state").get_json()["paused"] is False
    assert act(client, "sign-out", clerk, PIN).status_code == 200
    assert client.get("/touch/A01/state").get_json()["staff"] is None

    with app.app_context():
        sessions = db.session.scalars(sa.select(StaffSession)).all()
        assert len(sessions) == 1 and sessions[0].ended_at is not None and sessions[0].via == "touch"
        pause = db.session.scalars(sa.select(WindowPause)).one()
        assert pause.reason == "午休" and pause.ended_at is not None
        actions = [a.action for a in db.session.scalars(
            sa.select(AuditLog).where(AuditLog.entity == "window", AuditLog.entity_id == "A01")
                .order_by(AuditLog.id))]
        assert actions == ["sign_in", "pause", "resume", "sign_out"]


def test_only_the_signed_in_clerk_pauses_and_reasons_are_checked(app, client, clerk):
    assert act(client, "pause", clerk, PIN, reason="午休").status_code == 403  # not signed in here
    act(client, "sign-in", clerk, PIN)
    r = act(client, "pause", clerk, PIN, reason="喝茶")
    assert r.status_code == 400 and "暂停原因" in r.get_json()["message"]
    assert client.get("/touch/A01/state").get_json()["paused"] is False


def test_signing_in_elsewhere_signs_out_of_the_old_window(app, client, clerk):
    act(client, "sign-in", clerk, PIN, code="A01")
    assert act(client, "sign-in", clerk, PIN, code="A02").status_code == 200
    with app.app_context():
        a01 = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
        assert a01.staff_id is None
        open_sessions = db.session.scalars(sa.select(StaffSession).where(StaffSession.ended_at.is_(None))).all()
        assert [s.window.code for s in open_sessions] == ["A02"]


def test_wrong_pins_delay_the_next_try(app, client, clerk):
    for _ in range(6):
        r = act(client, "sign-in", clerk, "000001")
        assert r.status_code == 401 and "PIN" in r.get_json()["message"]
    r = act(client, "sign-in", clerk, PIN)  # even the right PIN waits out the delay
    assert r.status_code == 429 and "秒后再试" in r.get_json()["message"]
    assert act(client, "sign-in", "NOBODY", "123456").status_code == 401


def test_csrf_is_required(client, clerk):
    r = client.post("/touch/A01/clerk/sign-in", json={"staff_no": clerk, "pin": PIN})
    assert r.status_code == 400


def _pause(app, start, end):
    with app.app_context():
        window = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
        db.session.add(WindowPause(window_id=window.id, reason="午休", started_at=start,
                                   ended_at=end, paused_by="test"))
        db.session.commit()


def test_window_service_seconds_excludes_pauses(app):
    day = datetime(2026, 11, 24, 1, 0)  # 09:00 hall time
    end = day + timedelta(hours=8)
    _pause(app, day + timedelta(hours=3), day + timedelta(hours=4))  # lunch, 1 h
    _pause(app, day + timedelta(hours=3, minutes=30), day + timedelta(hours=4, minutes=30))  # overlaps: +30 min
    _pause(app, day - timedelta(hours=1), day + timedelta(minutes=10))  # starts before the period
    _pause(app, end - timedelta(minutes=20), None)  # still open: counts until the end
    _pause(app, end + timedelta(hours=1), end + timedelta(hours=2))  # outside
    with app.app_context():
        window = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
        paused = 90 * 60 + 10 * 60 + 20 * 60
        assert window_service_seconds(window, day, end) == 8 * 3600 - paused
        assert window_service_seconds(window, end, day) == 0
        other = db.session.scalars(sa.select(Window).where(Window.code == "A02")).one()
        assert window_service_seconds(other, day, end) == 8 * 3600
