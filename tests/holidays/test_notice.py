"""The notice parser against the chinesecalendar package's own data for the same years."""
from datetime import date, timedelta

import chinese_calendar
import pytest

from kiosk.holidays.notice import NoticeError, notice_year, parse_notice
from tests.holidays.notices import NOTICE_2025, NOTICE_2026, NOTICE_2027


def _is_workday(schedule, day: date) -> bool:
    return day in schedule.workdays or (day.weekday() < 5 and day not in schedule.holidays)


@pytest.mark.parametrize("text, year", [(NOTICE_2025, 2025), (NOTICE_2026, 2026)])
def test_every_day_of_the_year_agrees_with_the_package(text, year):
    schedule = parse_notice(text)
    assert schedule.year == year
    day = date(year, 1, 1)
    disagree = []
    while day.year == year:
        if _is_workday(schedule, day) != chinese_calendar.is_workday(day):
            disagree.append(day)
        day += timedelta(days=1)
    assert disagree == []


def test_ranges_across_months_and_single_days():
    schedule = parse_notice(NOTICE_2025)
    assert {date(2025, 1, 31), date(2025, 2, 1), date(2025, 2, 4)} <= schedule.holidays
    assert {date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)} <= schedule.holidays
    assert date(2025, 1, 1) in schedule.holidays and date(2025, 1, 2) not in schedule.holidays
    assert schedule.workdays == {date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27),
                                 date(2025, 9, 28), date(2025, 10, 11)}


def test_full_width_digits_and_a_year_crossing_new_year():
    text = "元旦：２０２２年12月31日至2023年1月2日放假调休，共3天。"
    schedule = parse_notice(text, 2023)
    assert schedule.holidays == {date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)}


def test_year_from_the_title_or_given():
    assert notice_year(NOTICE_2027) == 2027
    assert parse_notice("春节：2月5日至12日放假。", 2027).holidays == {
        date(2027, 2, d) for d in range(5, 13)}


@pytest.mark.parametrize("text, message", [
    ("春节放假安排另行通知。", "no holidays"),
    ("春节：2月5日至12日放假。2月10日（周三）上班。", "both off and working"),
    ("春节：2月5日至12日放假。2月16日（周二）上班。", "not weekend days"),
    ("春节：2月30日放假。", "not a date"),
    ("春节：5日至12日放假。", "without its month"),
    ("春节：2月12日至5日放假。", "ends before it starts"),
])
def test_unreadable_notices_are_refused_with_the_reason(text, message):
    with pytest.raises(NoticeError, match=message):
        parse_notice(text, 2027)


def test_a_notice_without_a_year():
    with pytest.raises(NoticeError, match="--year"):
        parse_notice("春节：2月5日至12日放假。")
