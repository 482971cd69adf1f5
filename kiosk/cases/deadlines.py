"""Rectification deadlines: 15 working days from registration, in hall time, and the one
deadline in force at a given time (pure, plus its SQL form for queries over many cases)."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from kiosk.models.case_decisions import CaseDeadline
from kiosk.timeutil import to_local, to_utc
from kiosk.workdays import CalendarRangeError, workday_deadline

RECTIFICATION_WORKDAYS = 15


def _weekdays_only_deadline(local: datetime, n: int) -> datetime:
    day = local.date()
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return datetime.combine(day, datetime.max.time()).replace(microsecond=0)


def rectification_due(registered_utc: datetime, n: int = RECTIFICATION_WORKDAYS) -> datetime:
    """End of the n-th working day after the (hall-local) registration day, as naive UTC.

    Beyond the official calendar's data we count weekdays only rather than refuse: a 差评
    must always be recorded, and a manager can extend a deadline that turns out short.
    """
    local = to_local(registered_utc)
    try:
        due_local = workday_deadline(local, n)
    except CalendarRangeError:
        due_local = _weekdays_only_deadline(local, n)
    return to_utc(due_local)


# ---- the deadline in force ----------------------------------------------------------------
# A case's deadlines are kept in case_deadline: the original one (in force from registration)
# and one per approved extension (in force from its approval). Whatever asks "was it on
# time?" asks which deadline was in force at the moment that matters, e.g. when the handling
# was finished; an extension approved later never makes an earlier moment on time.

def deadline_in_force(history: list[tuple[datetime, datetime]], at: datetime) -> datetime | None:
    """The due time in force at `at`, from (effective_at, due_at) pairs; None before the
    case existed."""
    current = None
    for effective_at, due_at in sorted(history):
        if effective_at > at:
            break
        current = due_at
    return current


def deadline_in_force_sql(case_id, at):
    """The same as an SQL scalar subquery, for queries over many cases: `case_id` and `at`
    are columns (or bound values) of the outer query."""
    return (sa.select(CaseDeadline.due_at)
            .where(CaseDeadline.case_id == case_id, CaseDeadline.effective_at <= at)
            .order_by(CaseDeadline.effective_at.desc(), CaseDeadline.id.desc())
            .limit(1).scalar_subquery())


def sql_deadline_in_force(case_id: str, at: str) -> str:
    """The same as SQL text, for the indicators' SQL: `case_id` and `at` are expressions of
    the outer query (e.g. "c.id", "c.done_at")."""
    return (f"(SELECT d.due_at FROM case_deadline d WHERE d.case_id = {case_id} "
            f"AND d.effective_at <= {at} ORDER BY d.effective_at DESC, d.id DESC LIMIT 1)")


def deadline_history(conn, case_id: int) -> list[tuple[datetime, datetime]]:
    """(effective_at, due_at) of one case, oldest first."""
    rows = conn.execute(sa.select(CaseDeadline.effective_at, CaseDeadline.due_at)
                        .where(CaseDeadline.case_id == case_id)
                        .order_by(CaseDeadline.effective_at, CaseDeadline.id)).all()
    return [tuple(r) for r in rows]


def deadline_in_force_for(conn, case_id: int, at: datetime) -> datetime | None:
    return deadline_in_force(deadline_history(conn, case_id), at)
