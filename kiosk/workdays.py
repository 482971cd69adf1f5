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
# The file and its mtime when read: `calendar import` in another process takes effect in
# running ones at their next deadline computation, without a restart.
_source: dict[str, object] = {"path": None, "mtime": None}


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


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def load_supplement(path: Path) -> None:
    mtime = _mtime(path)
    years = (parse_supplement(json.loads(path.read_text(encoding="utf-8")))
             if mtime is not None else {})
    _supplement.clear()
    _supplement.update(years)
    _source.update(path=path, mtime=mtime)


def refresh_supplement() -> None:
    """Re-reads the supplement file if it changed since it was loaded (a cheap stat)."""
    path = _source["path"]
    if path is not None and _mtime(path) != _source["mtime"]:
        load_supplement(path)


def calendar_source(year: int) -> str | None:
    """Where the working days of a year come from: "hall" (the supplement file), "package"
    (chinesecalendar), or None when nobody knows that year yet."""
    if year in _supplement:
        return "hall"
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    return "package"


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
    refresh_supplement()
    end_day = add_workdays(start.date(), n)
    return datetime.combine(end_day, datetime.max.time()).replace(microsecond=0)
