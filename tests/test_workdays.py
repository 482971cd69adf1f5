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


def test_a_hall_can_add_a_year_the_package_does_not_know(tmp_path):
    from kiosk.workdays import HolidayCalendar

    path = tmp_path / "holiday_calendar.json"
    path.write_text('{"2030": {"holidays": ["2030-01-01"], "workdays": ["2030-01-05"]}}')
    calendar = HolidayCalendar(path)
    assert not calendar.is_workday(date(2030, 1, 1))  # New Year's Day
    assert calendar.is_workday(date(2030, 1, 5))  # a Saturday made a workday
    with pytest.raises(CalendarRangeError):  # the package alone does not know 2030
        is_workday(date(2030, 1, 2))


def test_each_app_has_its_own_calendar(tmp_path):
    """Two halls in one process (tests, the hub's tools): one's file is not the other's."""
    from kiosk import create_app

    apps = []
    for name, content in (("a", '{"2030": {"holidays": ["2030-01-01"], "workdays": []}}'),
                          ("b", None)):
        folder = tmp_path / name
        folder.mkdir()
        if content:
            (folder / "holiday_calendar.json").write_text(content)
        apps.append(create_app({"TESTING": True, "INSTANCE_PATH": str(folder),
                                "SECRET_KEY": "x"}))
    with apps[0].app_context():
        assert add_workdays(date(2029, 12, 31), 1) == date(2030, 1, 2)
    with apps[1].app_context(), pytest.raises(CalendarRangeError):
        add_workdays(date(2029, 12, 31), 1)


def test_supplement_dates_must_belong_to_their_year():
    from kiosk.workdays import parse_supplement

    with pytest.raises(ValueError, match="another year"):
        parse_supplement({"2030": {"holidays": ["2031-01-01"]}})
