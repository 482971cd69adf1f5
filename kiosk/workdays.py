"""Working days on the official Chinese calendar, with holidays and 调休 make-up days.

The chinesecalendar package carries the State Council's schedule up to its last release.
For a year it does not know yet, a hall can add the published schedule itself in
instance/holiday_calendar.json (see docs/configuration.md); beyond both we refuse to guess.
"""
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
from flask import current_app, has_app_context

EXTENSION = "holiday_calendar"


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


class HolidayCalendar:
    """The official calendar, and one hall's supplement file over it (per app: each app in a
    process has its own instance folder)."""

    def __init__(self, path: Path | None = None):
        # year -> (holidays, make-up workdays), from the hall's supplement file
        self.years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        # The file and its mtime when read: `calendar import` in another process takes
        # effect in running ones at their next deadline computation, without a restart.
        self.path, self.mtime = path, None
        if path is not None:
            self.load(path)

    def load(self, path: Path) -> None:
        mtime = _mtime(path)
        self.years = (parse_supplement(json.loads(path.read_text(encoding="utf-8")))
                      if mtime is not None else {})
        self.path, self.mtime = path, mtime

    def refresh(self) -> None:
        """Re-reads the supplement file if it changed since it was loaded (a cheap stat)."""
        if self.path is not None and _mtime(self.path) != self.mtime:
            self.load(self.path)

    def source(self, year: int) -> str | None:
        """Where the working days of a year come from: "hall" (the supplement file),
        "package" (chinesecalendar), or None when nobody knows that year yet."""
        if year in self.years:
            return "hall"
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return None
        return "package"

    def is_workday(self, day: date) -> bool:
        if day.year in self.years:
            holidays, workdays = self.years[day.year]
            return day in workdays or (day.weekday() < 5 and day not in holidays)
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError as exc:
            raise CalendarRangeError(
                f"official holiday calendar has no data for {day.isoformat()} "
                "(update the chinesecalendar package, or add the published schedule to "
                "instance/holiday_calendar.json)"
            ) from exc


# Outside an app there is no instance folder, so no hall file: the package's calendar.
PACKAGE_ONLY = HolidayCalendar()


def init_app(app, path: Path) -> None:
    app.extensions[EXTENSION] = HolidayCalendar(path)


def calendar() -> HolidayCalendar:
    """The current app's calendar (the package's alone outside an app)."""
    if has_app_context():
        return current_app.extensions.get(EXTENSION, PACKAGE_ONLY)
    return PACKAGE_ONLY


def refresh_supplement() -> None:
    calendar().refresh()


def calendar_source(year: int) -> str | None:
    return calendar().source(year)


def is_workday(day: date) -> bool:
    return calendar().is_workday(day)


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
    calendar().refresh()
    end_day = add_workdays(start.date(), n)
    return datetime.combine(end_day, datetime.max.time()).replace(microsecond=0)
