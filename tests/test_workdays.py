from datetime import date, datetime

import pytest

from kiosk.workdays import CalendarRangeError, add_workdays, is_workday, workday_deadline


def test_national_day_2026_and_its_make_up_saturday():
    assert not is_workday(date(2026, 10, 1))
    assert not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 10, 10))  # Saturday, 调休 make-up workday
    # 5 working days after Wed 30 Sep: holiday 1-7 Oct, then Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13.
    assert add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_plain_week():
    assert add_workdays(date(2026, 11, 24), 5) == date(2026, 12, 1)  # Tue → next Tue


def test_deadline_is_end_of_day():
    assert workday_deadline(datetime(2026, 11, 24, 9, 30), 5) == datetime(2026, 12, 1, 23, 59, 59)


def test_dates_beyond_the_official_calendar_are_an_error():
    with pytest.raises(CalendarRangeError, match="no data"):
        add_workdays(date(2030, 1, 1), 5)
