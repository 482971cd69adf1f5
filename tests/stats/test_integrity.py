"""Integrity flags and live alerts: flagged, never deleted."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Invitation, Rating, Staff, StaffSession, Window
from kiosk.ratings.service import record_rating
from kiosk.stats import integrity

pytestmark = pytest.mark.timeout(30)
NOW = datetime(2026, 6, 1, 2, 0)  # naive UTC, 10:00 in the hall


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def rate(window, level, minutes_ago, **kw):
    record_rating(window_code=window, level=level, channel="evaluator",
                  rated_at=NOW - timedelta(minutes=minutes_ago), **kw)


def test_burst_of_uninvited_top_ratings_is_flagged_not_deleted(ctx):
    for m in (8, 6, 4, 2, 0):
        rate("A03", 1, m)  # 5 in 8 minutes
    for m in (9, 6, 3, 0):
        rate("B01", 1, m)  # only 4
    for m in (40, 30, 20, 10, 0):
        rate("B02", 1, m)  # 5, but spread over 40 minutes
    for m in (4, 3, 2, 1, 0):
        rate("C01", 2, m)  # 满意, not 非常满意
    bursts = integrity.burst_flags(NOW - timedelta(hours=1), NOW + timedelta(seconds=1))
    assert [(b.window_code, b.count) for b in bursts] == [("A03", 5)]
    assert bursts[0].last_at == NOW
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 19


def test_live_alert_needs_half_bad_and_four_ratings_in_15_minutes(ctx):
    rate("A01", 1, 14)
    rate("A01", 2, 10)
    rate("A01", 4, 5)
    rate("A01", 5, 1)  # 4 ratings, 2 差评 → alert
    for m in (3, 2, 1):
        rate("A02", 5, m)  # all bad but only 3 ratings
    rate("A03", 5, 20)  # outside the 15 minutes
    for m in (4, 3, 2):
        rate("A03", 1, m)
    rate("A03", 5, 1)
    alerts = integrity.current_alerts(NOW)
    assert [(a.window_code, a.ratings, a.bad) for a in alerts] == [("A01", 4, 2)]
    assert alerts[0].bad_share == 0.5
    assert integrity.current_alerts(NOW + timedelta(minutes=15)) == []


def test_clerk_with_few_invitations_per_signed_in_hour_is_flagged(ctx):
    staff = {s.staff_no: s for s in db.session.scalars(sa.select(Staff))}
    windows = {w.code: w for w in db.session.scalars(sa.select(Window))}
    start = datetime(2026, 6, 1, 0, 0)
    plan = {"YN0101": ("A01", 8, 40), "YN0102": ("A02", 8, 36), "YN0103": ("A03", 8, 32),
            "YN0104": ("B01", 8, 4), "YN0105": ("B02", 1, 0)}  # 1 h: too short to judge
    for staff_no, (code, hours, invites) in plan.items():
        db.session.add(StaffSession(window_id=windows[code].id, staff_id=staff[staff_no].id,
                                    started_at=start, ended_at=start + timedelta(hours=hours),
                                    via="admin", signed_in_by="test"))
        for i in range(invites):
            at = start + timedelta(minutes=10 * i)
            db.session.add(Invitation(case_no=f"{staff_no}-{i}", window_id=windows[code].id,
                                      staff_id=staff[staff_no].id, invited_at=at,
                                      screen_until=at, expires_at=at, status="expired"))
    db.session.commit()
    ratios = integrity.invitation_ratios(start, start + timedelta(days=1),
                                         now=start + timedelta(days=2))
    assert [(r.staff_no, r.hours, r.invitations, r.flagged) for r in ratios] == [
        ("YN0104", 8.0, 4, True), ("YN0103", 8.0, 32, False), ("YN0102", 8.0, 36, False),
        ("YN0101", 8.0, 40, False)]
    assert ratios[0].hall_median == pytest.approx(4.25)
