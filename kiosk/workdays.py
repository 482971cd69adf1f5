"""Working days on the official Chinese calendar, with holidays and 调休 make-up days.

The chinesecalendar package carries the State Council's schedule up to its last release.
For a year it does not know yet, a hall can add the published schedule itself in
instance/holiday_calendar.json (see docs/configuration.md); beyond both we refuse to guess.
"""
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar

# year -> (holidays, make-up workdays), from the hall's supplement file
_supplement: dict[int, tuple[frozenset[date], frozenset[date]]] = {}


class CalendarRangeError(ValueError):
    """The official calendar has no data for this date: refusing to guess."""


def parse_supplement(data: dict) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """{"2027": {"holidays": ["2027-01-01", …], "workdays": ["2027-02-07", …]}} (pure)."""
    years = {}
    for year, days in data.items():
        holidays = frozenset(date.fromisoformat(d) for d in days.get("holidays", []))
        workdays = frozenset(date.fromisoformat(d) for d in days.get("workdays", []))
        if any(d.year != int(year) for d in holidays | workdays):
            raise ValueError(f"holiday calendar for {year} lists a date of another year")
        years[int(year)] = (holidays, workdays)
    return years


def load_supplement(path: Path) -> None:
    _supplement.clear()
    if path.exists():
        _supplement.update(parse_supplement(json.loads(path.read_text(encoding="utf-8"))))


def is_workday(day: date) -> bool:
    if day.year in _supplement:
        holidays, workdays = _supplement[day.year]
        return day in workdays or (day.weekday() < 5 and day not in holidays)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarRangeError(
            f"official holiday calendar has no data for {day.isoformat()} "
            "(update the chinesecalendar package, or add the published schedule to "
            "instance/holiday_calendar.json)"
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
