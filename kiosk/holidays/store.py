"""The hall's supplement file (instance/holiday_calendar.json): merge an imported year into it.

The file is the one kiosk/workdays.py reads at start: {"2027": {"holidays": […],
"workdays": […]}}. It is rewritten whole (temporary file, then rename), never half-written.
"""
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from kiosk import workdays
from kiosk.holidays.notice import NoticeError, YearSchedule

FILE_NAME = "holiday_calendar.json"


def read_file(path: Path) -> dict:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    workdays.parse_supplement(data)  # refuse to build on a broken file
    return data


def schedule_from_json(data: dict, year: int | None = None) -> list[YearSchedule]:
    """The years of a file in the supplement's own JSON format (all, or only `year`)."""
    try:
        years = workdays.parse_supplement(data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise NoticeError(f"not a holiday calendar file: {exc}") from exc
    if year is not None and year not in years:
        raise NoticeError(f"the file has no year {year}")
    return [YearSchedule(y, h, w) for y, (h, w) in sorted(years.items())
            if year is None or y == year]


def _outside_year(schedule: YearSchedule) -> list[date]:
    """Days of another year named by the notice (元旦 starting on 31 December): they must
    agree with what is already known about that year, else the import is refused."""
    outside = [d for d in schedule.holidays | schedule.workdays if d.year != schedule.year]
    for day in outside:
        try:
            known_workday = workdays.is_workday(day)
        except workdays.CalendarRangeError as exc:
            raise NoticeError(
                f"{day} belongs to {day.year}, which has no calendar yet: import {day.year} first"
            ) from exc
        if known_workday != (day in schedule.workdays):
            raise NoticeError(f"{day} contradicts the calendar already known for {day.year}")
    return outside


def merged(existing: dict, schedule: YearSchedule) -> dict:
    """The file's content with the schedule's year replaced (pure apart from the check above)."""
    outside = set(_outside_year(schedule))
    result = dict(existing)
    result[str(schedule.year)] = {
        "holidays": sorted(d.isoformat() for d in schedule.holidays - outside),
        "workdays": sorted(d.isoformat() for d in schedule.workdays - outside),
    }
    return dict(sorted(result.items()))


def write_file(path: Path, data: dict) -> None:
    workdays.parse_supplement(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".holiday_calendar.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
