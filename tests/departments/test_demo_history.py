"""The demo hall's history: departments, handlers, weeks of ratings and 差评 in every state,
written through the hall's own services (so the rollups agree with the ratings)."""
from datetime import timedelta

import sqlalchemy as sa

from kiosk.cases.service import open_and_overdue_counts
from kiosk.demo_history import seed_history
from kiosk.departments.credit_code import is_valid
from kiosk.extensions import db
from kiosk.models import BadCase, Department, Rating, ServiceItem, User
from kiosk.models.base import utcnow
from kiosk.stats import rollup
from kiosk.timeutil import to_local


def rollup_totals(conn):
    return conn.execute(sa.text(
        "SELECT day, window_id, n1, n2, n3, n4, n5 FROM rating_window_day ORDER BY 1, 2")).all()


def test_demo_history_fills_every_view(app):
    with app.app_context():
        summary = seed_history(weeks=4, per_window_day=(4, 7), password="Demo-pass-42x")
        assert summary.ratings > 400 and summary.cases >= 10 and summary.defaults > 0
        departments = db.session.scalars(sa.select(Department)).all()
        assert len(departments) >= 5 and all(is_valid(d.credit_code) for d in departments)
        item_departments = db.session.scalars(
            sa.select(sa.func.count(sa.distinct(ServiceItem.department_id)))).one()
        assert item_departments >= 5
        handlers = db.session.scalars(sa.select(User).where(User.role == "handler")).all()
        assert {h.department_id for h in handlers} == {d.id for d in departments}
        # Ratings spread over the weeks, each with its responsible department.
        first, last = db.session.execute(
            sa.select(sa.func.min(Rating.rated_at), sa.func.max(Rating.rated_at))).one()
        assert last - first > timedelta(days=20)
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Rating.department_id.is_(None))) == 0
        channels = set(db.session.scalars(sa.select(Rating.channel).distinct()))
        assert {"touch", "evaluator", "qr", "default"} <= channels
        # 差评 in various workflow states, some overdue, some revisited, in several departments.
        statuses = set(db.session.scalars(sa.select(BadCase.status).distinct()))
        assert len(statuses) >= 4 and "closed" in statuses
        assert db.session.scalar(sa.select(sa.func.count()).where(
            BadCase.revisited_at.is_not(None))) >= 1
        assert open_and_overdue_counts(utcnow())["overdue"] >= 1
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(BadCase.department_id)))) >= 3
        # Some cases are held by a named handler (the case page's 承办人), others by a department.
        assert db.session.scalar(sa.select(sa.func.count()).where(
            BadCase.assignee_id.is_not(None))) >= 1
        # Rollups written on the way equal a rebuild from the ratings.
        with db.engine.begin() as conn:
            incremental = rollup_totals(conn)
            rollup.rebuild(conn)
            assert rollup_totals(conn) == incremental
        # Every day's rating lies on a past day, none in the future.
        assert to_local(last).date() <= to_local(utcnow()).date()
