"""The State Council's yearly holiday notice (国务院办公厅关于…年部分节假日安排的通知), parsed.

Pure: text in, dates out. Each item of the notice reads like
"二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
2月14日（周六）、2月28日（周六）上班。" — a sentence with 放假 names days off (single days or
ranges with 至), a sentence with 上班 names the make-up workdays (调休).
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_RANGE_WORD = "至"
_TITLE_YEAR = re.compile(r"(\d{4})年(?:部分)?节假日安排")
_ASIDE = re.compile(r"\([^)]*\)")  # （农历腊月二十八、周日） — after NFKC the brackets are ASCII


class NoticeError(ValueError):
    """The text is not a holiday notice we can read without guessing."""


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[date]  # days off (a weekend day inside a holiday is listed too)
    workdays: frozenset[date]  # weekend days that are working days (调休)


def notice_year(text: str) -> int | None:
    """The year in the notice's title, if it has one."""
    found = _TITLE_YEAR.search(unicodedata.normalize("NFKC", text))
    return int(found.group(1)) if found else None


def _dates_in(sentence: str, year: int) -> list[tuple[date, bool]]:
    """Every date in the sentence, each with whether a 至 (range) links it to the previous."""
    found = []
    month = None
    last_end = 0
    for match in _DATE.finditer(sentence):
        y, m, d = match.groups()
        year = int(y) if y else year
        month = int(m) if m else month
        if month is None:
            raise NoticeError(f"a day without its month: {sentence!r}")
        try:
            day = date(year, month, int(d))
        except ValueError as exc:
            raise NoticeError(f"not a date: {match.group(0)!r} in {sentence!r}") from exc
        linked = bool(found) and _RANGE_WORD in sentence[last_end:match.start()]
        found.append((day, linked))
        last_end = match.end()
    return found


def _expand(dates: list[tuple[date, bool]]) -> set[date]:
    days: set[date] = set()
    previous = None
    for day, linked in dates:
        if linked:
            if day < previous:
                raise NoticeError(f"a range that ends before it starts: {previous} 至 {day}")
            span = (day - previous).days
            days.update(previous + timedelta(days=i) for i in range(span + 1))
        else:
            days.add(day)
        previous = day
    return days


def parse_notice(text: str, year: int | None = None) -> YearSchedule:
    """The days off and the make-up workdays of the notice's year.

    Raises NoticeError when the year is unknown, nothing is found, or the result
    contradicts itself (a day both off and a workday, a 调休 workday on a weekday).
    """
    text = unicodedata.normalize("NFKC", text)
    year = year or notice_year(text)
    if year is None:
        raise NoticeError("the notice names no year: give it with --year")
    holidays: set[date] = set()
    workdays: set[date] = set()
    for sentence in re.split(r"[。;\n]", _ASIDE.sub("", text)):
        if "放假" in sentence:
            holidays |= _expand(_dates_in(sentence.split("放假")[0], year))
        elif "上班" in sentence:
            workdays |= {day for day, _linked in _dates_in(sentence, year)}
    if not holidays:
        raise NoticeError(f"no holidays found for {year}: is this the State Council's notice?")
    clash = holidays & workdays
    if clash:
        raise NoticeError(f"days both off and working: {sorted(d.isoformat() for d in clash)}")
    weekday_workdays = sorted(d.isoformat() for d in workdays if d.weekday() < 5)
    if weekday_workdays:
        raise NoticeError(f"make-up workdays that are not weekend days: {weekday_workdays}")
    return YearSchedule(year, frozenset(holidays), frozenset(workdays))
