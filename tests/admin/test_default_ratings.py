"""Default ratings after 5 working days, across the 2026 National Day holiday."""
from datetime import datetime

import pytest
import sqlalchemy as sa

import kiosk.invitations.service as invitations
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Invitation, Rating
from kiosk.timeutil import to_utc

pytestmark = pytest.mark.timeout(30)


def invite_at(monkeypatch, local_time: datetime, case_no: str) -> int:
    monkeypatch.setattr(invitations, "utcnow", lambda: to_utc(local_time))
    return create_invitation(window_code="A01", case_no=case_no).invitation.id


def run(app, now: str):
    return app.test_cli_runner().invoke(args=["ratings", "default", "--now", now])


def test_default_only_after_five_working_days_counting_the_make_up_saturday(app, monkeypatch):
    with app.app_context():
        inv_id = invite_at(monkeypatch, datetime(2026, 9, 30, 10, 0), "2026-XX-0930")
    # Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13 October: due after the end of Tue 13.
    result = run(app, "2026-10-13T23:59:00")
    assert result.exit_code == 0, result.output
    assert "0 default rating(s)" in result.output
    with app.app_context():
        assert db.session.get(Invitation, inv_id).status == "pending"

    result = run(app, "2026-10-14T00:00:30")
    assert result.exit_code == 0, result.output
    assert "2026-XX-0930" in result.output and "1 default rating(s)" in result.output

    again = run(app, "2026-10-15T09:00:00")  # idempotent
    assert again.exit_code == 0 and "0 default rating(s)" in again.output
    with app.app_context():
        rows = db.session.scalars(sa.select(Rating)).all()
        assert len(rows) == 1
        rating = rows[0]
        assert (rating.level, rating.channel, rating.is_default) == (3, "default", True)
        assert rating.case_no == "2026-XX-0930" and rating.invitation_id == inv_id
        assert rating.rated_at == to_utc(datetime(2026, 10, 13, 23, 59, 59))
        assert db.session.get(Invitation, inv_id).status == "defaulted"


def test_rated_invitations_get_no_default(app, monkeypatch):
    from kiosk.ratings.service import record_rating

    with app.app_context():
        inv_id = invite_at(monkeypatch, datetime(2026, 11, 24, 9, 0), "2026-XX-1124")
        record_rating(window_code="A01", level=1, channel="touch", invitation_id=inv_id)
    result = run(app, "2026-12-10T09:00:00")
    assert result.exit_code == 0 and "0 default rating(s)" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 1


def test_dates_beyond_the_calendar_are_a_clear_error(app):
    result = run(app, "2031-01-05T09:00:00")
    assert result.exit_code != 0
    assert "no data" in result.output and "No default ratings were recorded" in result.output


def test_bad_now_is_refused(app):
    result = run(app, "yesterday")
    assert result.exit_code != 0 and "ISO 8601" in result.output
