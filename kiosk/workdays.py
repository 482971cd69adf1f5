"""Working days on the official Chinese calendar, with holidays and 调休 make-up days (pure)."""
from datetime import date, datetime, timedelta

import chinese_calendar


class CalendarRangeError(ValueError):
    """The official calendar has no data for this date: refusing to guess."""


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarRangeError(
            f"official holiday calendar has no data for {day.isoformat()} "
            "(update the chinesecalendar package)"
        ) from exc


def add_workdays(start: date, n: int) -> date:
    """The date n working days after start (start itself not counted)."""
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def workday_deadline(start: datetime, n: int) -> datetime:
    """End of the n-th working day after start's date: the deadline for that many working days."""
    end_day = add_workdays(start.date(), n)
    return datetime.combine(end_day, datetime.max.time()).replace(microsecond=0)
