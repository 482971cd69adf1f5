"""Rectification deadlines (pure): 15 working days from registration, in hall time."""
from datetime import datetime, timedelta

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
