"""`flask calendar import|show` on a real instance folder, and /healthz's calendar warning
either side of 1 December (an injected date)."""
import json
import stat
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk import workdays
from kiosk.ops.health import report
from kiosk.timeutil import to_utc
from tests.holidays.notices import NOTICE_2026, NOTICE_2027

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def notice_2027(tmp_path):
    path = tmp_path / "notice-2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    return path


def _import(app, *args):
    return app.test_cli_runner().invoke(args=["calendar", "import", *map(str, args)])


def test_import_writes_the_hall_file_and_deadlines_reach_into_the_new_year(app, notice_2027):
    with app.app_context(), pytest.raises(workdays.CalendarRangeError):
        workdays.add_workdays(date(2026, 12, 28), 5)
    result = _import(app, notice_2027)
    assert result.exit_code == 0, result.output
    assert "2027: 28 days off, 4 make-up workdays" in result.output
    path = Path(app.instance_path, "holiday_calendar.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "2027-02-08" in data["2027"]["holidays"] and "2027-02-20" in data["2027"]["workdays"]
    # After Mon 28 Dec: 29–31 Dec are 3 working days, 1–3 Jan are off, 4 and 5 Jan follow.
    with app.app_context():  # the app's calendar, not the process's
        assert workdays.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 5)
        assert workdays.is_workday(date(2027, 2, 20))
        assert not workdays.is_workday(date(2027, 2, 8))


def test_show_lists_days_off_and_makeup_workdays(app, notice_2027):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["calendar", "show", "2027"])
    assert missing.exit_code != 0 and "no official calendar for 2027" in missing.output
    _import(app, notice_2027)
    out = runner.invoke(args=["calendar", "show", "2027"]).output
    assert "source: holiday_calendar.json" in out
    assert "2027-02-08（周一）" in out and "2027-09-26（周日）" in out
    package = runner.invoke(args=["calendar", "show", "2026"]).output
    assert "source: chinesecalendar package" in package and "2026-02-14（周六）" in package


def test_json_file_in_the_supplement_format_and_dry_run(app, tmp_path):
    source = tmp_path / "cal.json"
    source.write_text(json.dumps({"2028": {"holidays": ["2028-01-03"], "workdays": []}}))
    dry = _import(app, source, "--dry-run")
    assert dry.exit_code == 0 and "dry run" in dry.output
    assert not (tmp_path / "holiday_calendar.json").exists()
    assert _import(app, source).exit_code == 0
    with app.app_context():
        assert workdays.calendar_source(2028) == "hall"


@pytest.mark.parametrize("content, message", [
    ("关于2027年部分节假日安排的通知\n春节另行通知。", "no holidays found"),
    ('{"2027": {"holidays": ["2026-10-01"]}}', "another year"),
    ("{not json", "not valid JSON"),
    ("春节：2月5日至12日放假。", "--year"),
])
def test_bad_files_are_refused_and_the_existing_calendar_is_kept(app, tmp_path, notice_2027,
                                                                  content, message):
    assert _import(app, notice_2027).exit_code == 0
    before = (tmp_path / "holiday_calendar.json").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_text(content, encoding="utf-8")
    result = _import(app, bad)
    assert result.exit_code != 0 and message in result.output
    assert (tmp_path / "holiday_calendar.json").read_bytes() == before


def test_gbk_encoded_notice(app, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_bytes(NOTICE_2027.encode("gb18030"))
    assert _import(app, path).exit_code == 0


def test_a_year_already_in_the_package_is_noted(app, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE_2026, encoding="utf-8")
    out = _import(app, path).output
    assert "the hall's file takes precedence" in out


def _health(app, local: datetime):
    with app.test_request_context():
        return report(app, now=to_utc(local))


def test_healthz_warns_from_1_december_without_next_years_calendar(app, notice_2027):
    body, status = _health(app, datetime(2026, 11, 30, 23, 59, 59))
    assert status == 200 and body["warnings"] == []
    assert body["checks"]["calendar"] == {"status": "ok", "years_needed": [2026], "missing": []}

    body, status = _health(app, datetime(2026, 12, 1, 0, 0, 0))
    assert status == 200 and body["status"] == "ok"  # a warning, not a failure
    assert body["warnings"] == ["calendar"]
    assert body["checks"]["calendar"]["status"] == "warn"
    assert body["checks"]["calendar"]["missing"] == [2027]
    assert "calendar import" in body["checks"]["calendar"]["action"]

    _import(app, notice_2027)
    body, _status = _health(app, datetime(2026, 12, 1, 0, 0, 0))
    assert body["warnings"] == [] and body["checks"]["calendar"]["status"] == "ok"


def test_healthz_over_http_shows_the_calendar_check(client):
    body = client.get("/healthz").json
    assert body["checks"]["calendar"]["status"] in ("ok", "warn")
    assert "warnings" in body
