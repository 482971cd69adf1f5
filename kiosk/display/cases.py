"""The one question the wall screen asks about 差评 cases: how many are open, and on time?

Answers None when the cases feature (kiosk/models/cases.py) is not installed, so the
screen leaves the panel out. Aggregates only: no case, rating or person is ever named.
"""
from datetime import datetime

import sqlalchemy as sa

from kiosk.extensions import db


def _case_model():
    try:
        from kiosk.models.cases import BadCase
    except ImportError:
        return None
    return BadCase


def open_cases_summary(now_utc: datetime) -> dict | None:
    """{"open", "overdue", "on_time_rate"}; cases whose appeal was accepted do not count.
    On-time rate: cases finished (done_at) by their deadline over all finished cases."""
    case = _case_model()
    if case is None:
        return None
    not_closed = case.status != "closed"
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(not_closed),
            sa.func.count().filter(not_closed, case.done_at.is_(None), case.due_at < now_utc),
            sa.func.count().filter(case.done_at.is_not(None)),
            sa.func.count().filter(case.done_at.is_not(None), case.done_at <= case.due_at),
        ).where(case.appeal_status != "accepted")
    ).one()
    open_count, overdue, done, on_time = row
    return {
        "open": open_count,
        "overdue": overdue,
        "on_time_rate": round(100 * on_time / done, 1) if done else None,
    }
