"""The wall screen's numbers: SQL aggregates over counted ratings, local days, no personal data."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from uuid6 import uuid7

from kiosk.db_setup import write_transaction
from kiosk.display.stats import hall_tally, today_by_window, week_trend
from kiosk.extensions import db
from kiosk.models import Rating, Window
from kiosk.stats import rollup
from kiosk.timeutil import HALL_TZ, to_utc


def add_rating(window_code, level, local_time, **extra):
    window = db.session.scalars(sa.select(Window).where(Window.code == window_code)).one()
    db.session.add(Rating(id=uuid7(), level=level, scale=window.scale, channel="touch",
                          window_id=window.id, rated_at=to_utc(local_time), **extra))
    db.session.commit()
    # Inserted past the ratings service: count it the way `flask stats rebuild` does.
    with write_transaction(db.session()) as conn:
        rollup.rebuild(conn)
        db.session.commit()


def test_today_counts_good_rate_and_excludes_excluded(app):
    today = datetime.now(HALL_TZ).date()
    noon = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    with app.app_context():
        for level in (1, 2, 3, 4):
            add_rating("A01", level, noon)
        add_rating("A01", 5, noon, excluded=True)  # appeal accepted: not counted
        add_rating("A02", 5, noon)
        # 00:30 local is still today although it is yesterday in UTC.
        add_rating("A02", 1, datetime.combine(today, datetime.min.time()) + timedelta(minutes=30))
        add_rating("A02", 1, noon - timedelta(days=1))  # yesterday: not today
        hall = hall_tally(today)
        windows = {w["code"]: w for w in today_by_window(today)}
    assert (hall.total, hall.good, hall.bad, hall.good_rate) == (6, 4, 2, 66.67)
    assert windows["A01"] == {"code": "A01", "name": "综合受理窗口", "total": 4, "good": 3,
                              "bad": 1, "good_rate": 75.0}
    assert windows["A02"]["total"] == 2 and windows["A02"]["good_rate"] == 50.0
    assert windows["B01"]["total"] == 0 and windows["B01"]["good_rate"] is None


def test_uninvited_ratings_count_like_any_other(app):
    today = datetime.now(HALL_TZ).date()
    noon = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    with app.app_context():
        add_rating("A03", 5, noon, uninvited=True)
        add_rating("A01", 5, noon, uninvited=True)
        windows = {w["code"]: w["total"] for w in today_by_window(today)}
    assert windows["A03"] == 1 and windows["A01"] == 1


def test_week_trend_has_seven_local_days_oldest_first(app):
    today = datetime.now(HALL_TZ).date()
    noon = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    with app.app_context():
        add_rating("A01", 1, noon - timedelta(days=6))
        add_rating("A01", 4, noon - timedelta(days=6))
        add_rating("A01", 2, noon)
        add_rating("A01", 2, noon - timedelta(days=7))  # eight days ago: outside the week
        trend = week_trend(today)
    assert [d["date"] for d in trend] == [(today - timedelta(days=n)).isoformat()
                                          for n in range(6, -1, -1)]
    assert trend[0]["total"] == 2 and trend[0]["good_rate"] == 50.0
    assert trend[-1]["total"] == 1 and trend[-1]["good_rate"] == 100.0
    assert all(d["total"] == 0 for d in trend[1:-1])


def test_data_json_has_aggregates_only(app, client):
    today = datetime.now(HALL_TZ).date()
    noon = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    with app.app_context():
        add_rating("A01", 4, noon, comment="秘密留言", phone="13812345678", reasons=["R01"])
    r = client.get("/display/data.json")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    body = r.get_data(as_text=True)
    for private in ("秘密留言", "13812345678", "张三", "YN0101", "R01"):
        assert private not in body
    data = r.get_json()
    assert data["hall"]["total"] == 1
    assert data["cases"] is None or set(data["cases"]) == {"open", "overdue", "on_time_rate"}
    assert len(data["windows"]) == 8 and len(data["week"]) == 7


def test_board_page_states_the_definition_and_switches_language(client):
    page = client.get("/display").get_data(as_text=True)
    assert "满意率 = " in page and "剔除" in page
    assert 'href="?lang=en"' in page
    assert "<script>" not in page  # CSP: scripts only from files


def test_cases_summary_counts_open_overdue_and_on_time(app):
    cases = pytest.importorskip("kiosk.models.cases")
    from kiosk.display.cases import open_cases_summary
    from kiosk.models.case_decisions import CaseDeadline

    now = datetime(2026, 3, 20, 4, 0)
    day = timedelta(days=1)
    with app.app_context():
        for i, (status, due, done, appeal) in enumerate([
            ("registered", now + day, None, "none"),       # open, on schedule
            ("assigned", now - day, None, "none"),         # open, overdue
            ("closed", now - day, now - 2 * day, "none"),  # done on time
            ("replied", now - 2 * day, now - day, "none"), # done late, still open
            ("registered", now - day, None, "accepted"),   # appeal accepted: not counted
        ]):
            add_rating("A01", 4, datetime(2026, 3, 1, 10, i), excluded=appeal == "accepted")
            rating = db.session.scalars(sa.select(Rating).order_by(Rating.id.desc())).first()
            # Facts the case copies from its rating (columns of the cases feature, if present).
            facts = {"rated_at": rating.rated_at, "window_id": rating.window_id, "real_name": False}
            case = cases.BadCase(
                rating_id=rating.id, status=status, due_at=due, original_due_at=due, done_at=done,
                appeal_status=appeal,
                **{k: v for k, v in facts.items() if hasattr(cases.BadCase, k)})
            db.session.add(case)
            db.session.flush()
            # Its deadline history: the one deadline, in force from registration.
            db.session.add(CaseDeadline(case_id=case.id, due_at=due,
                                        effective_at=datetime(2026, 3, 1), set_by="system"))
        db.session.commit()
        # Cases written straight into the table: the case rollup is rebuilt from them, as
        # `flask stats rebuild` does for data that arrived another way.
        from kiosk.db_setup import write_transaction
        from kiosk.stats import case_rollup

        with write_transaction(db.session()) as conn:
            case_rollup.rebuild(conn)
            db.session.commit()
        # On time: 1 of the 3 whose outcome is known (two finished, one overdue).
        assert open_cases_summary(now) == {"open": 3, "overdue": 1, "on_time_rate": 33.33}
