"""Template filters for the admin: times in the hall's local time, dates written the way
each language writes them (2026年11月30日 14:05; 30 Nov 2026, 14:05)."""
from datetime import date, datetime

from flask_babel import get_locale

from kiosk.admin import bp
from kiosk.timeutil import to_local

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@bp.app_template_filter("localtime")
def localtime(utc_naive) -> str:
    return to_local(utc_naive).strftime("%Y-%m-%d %H:%M:%S") if utc_naive else ""


def written_date(value: date | datetime, language: str, with_time: bool = True) -> str:
    """A hall-local date (and time to the minute) as a reader of the language writes it."""
    day = f"{value.year}年{value.month}月{value.day}日" if language.startswith("zh") \
        else f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    if not with_time or not isinstance(value, datetime):
        return day
    return f"{day} {value:%H:%M}" if language.startswith("zh") else f"{day}, {value:%H:%M}"


def _language() -> str:
    locale = get_locale()
    return str(locale) if locale else "zh_CN"


@bp.app_template_filter("written_time")
def written_time(utc_naive: datetime | None) -> str:
    """A stored (naive UTC) time as the hall reads it: 2026年11月30日 14:05."""
    return written_date(to_local(utc_naive), _language()) if utc_naive else ""


@bp.app_template_filter("written_day")
def written_day(value: date | datetime | None) -> str:
    """A calendar date (already hall-local): 2026年11月30日."""
    return written_date(value, _language(), with_time=False) if value else ""


@bp.app_template_filter("translated")
def translated(text: str) -> str:
    """A msgid held in data (a table header such as 满意率%): translated without the
    %-formatting that _() in a template applies."""
    from flask_babel import gettext

    return gettext(str(text))
