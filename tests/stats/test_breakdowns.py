"""Breakdowns by department, channel, reason and period with sample sizes; flags for
repeated 差评 and bursts of uninvited 差评; the public 公开 page; the report's CLI files."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.stats import integrity, queries
from kiosk.stats.definitions import Period
from kiosk.stats.report import BadQuarter, Quarter
from tests.cases.helpers import login
from tests.stats import dataset

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def data(app):
    return dataset.build(app)


def totals(rows):
    return {r.label: (r.total, r.good) for r in rows}


def test_breakdowns_by_department_channel_reason_and_year(app, data):
    today = Period(data.today, data.today)
    with app.app_context():
        assert totals(queries.breakdown(today, "department")) == {
            "五华区人社局": (6, 5), "五华区公安分局": (5, 3)}
        assert totals(queries.breakdown(today, "channel")) == {
            "评价器": (3, 3), "窗口触摸屏": (5, 3), "二维码": (2, 1), "默认评价": (1, 1)}
        reasons = {r.label: r.bad for r in queries.breakdown(today, "reason")}
        # R03 belonged to the excluded 差评 only.
        assert reasons == {"办事效率低、业务不熟练": 2, "服务态度差、政策解释不清楚": 2}
        assert totals(queries.breakdown(today, "year")) == {str(data.today.year): (11, 8)}
        # One department's figures: its windows and staff only.
        police = queries.breakdown(today, "window", department_id=data.police)
        assert totals(police) == {"A01 综合受理窗口": (1, 1), "A02 综合受理窗口": (4, 2)}
        assert queries.totals(today, department_id=data.labour).ratings.defaults == 1
        ranked = queries.rankings(today, "department")
        assert [r.label for r in ranked] == ["五华区人社局", "五华区公安分局"]


def test_repeated_bad_ratings_of_a_staff_member_or_department_are_flagged(app, data):
    with app.app_context():
        first = data.today - timedelta(days=29)
        by_dept = integrity.repeated_bad(first, data.today, "department", count=2, days=30)
        assert [(r.label, r.most, r.total) for r in by_dept] == [("五华区公安分局", 2, 2)]
        assert integrity.repeated_bad(first, data.today, "department", count=3) == []
        staff = integrity.repeated_bad(first, data.today, "staff", count=2)
        assert [r.most for r in staff] == [2]  # A02's clerk; A01's had one counted 差评


def test_burst_of_uninvited_bad_ratings_is_flagged(app):
    now = utcnow()
    with app.app_context():
        for m in range(5):
            record_rating(window_code="B01", level=5, channel="qr", reasons=["R01"],
                          rated_at=now - timedelta(minutes=m))
        bursts = integrity.burst_flags(now - timedelta(hours=1), now + timedelta(seconds=1),
                                       kind="bad")
        assert [(b.window_code, b.count) for b in bursts] == [("B01", 5)]
        assert integrity.burst_flags(now - timedelta(hours=1), now + timedelta(seconds=1)) == []


def test_integrity_page_shows_the_new_flags(app, data):
    web = login(app, "mgr")
    page = web.get("/admin/stats/integrity").get_data(as_text=True)
    assert 'id="bad-bursts"' in page and 'id="repeated-department"' in page
    assert "五华区公安分局" not in page  # 2 差评 is below the default of 3
    app.config["STATS_REPEATED_BAD_COUNT"] = 2
    page = web.get("/admin/stats/integrity").get_data(as_text=True)
    assert "五华区公安分局" in page


def test_public_page_shows_handling_never_the_rater(app, data, client):
    page = client.get("/display/public").get_data(as_text=True)
    assert "五华区人社局" in page and "窗口增加引导人员" in page  # marked publishable
    assert "办事效率低、业务不熟练" in page
    for private in ("13812345678", "138****5678", "张三", "误按", "PY"):
        assert private not in page
    assert 'href="/display/public"' in client.get("/display").get_data(as_text=True)
    with app.app_context(), write_transaction(db.session()) as conn:
        conn.execute(sa.text("UPDATE bad_case SET publishable = 0"))
        db.session.commit()
    page = client.get("/display/public").get_data(as_text=True)
    assert "窗口增加引导人员" not in page and "经核实属实，已整改并答复" in page


def test_only_a_manager_marks_a_case_publishable(app, data):
    with app.app_context():
        case_id = db.session.execute(sa.text(
            "SELECT id FROM bad_case WHERE publishable")).scalar_one()
    handler = login(app, "h1")
    r = handler.post(f"/admin/cases/{case_id}/publishable", {"publishable": "0"},
                     token_from=f"/admin/cases/{case_id}")
    assert r.status_code == 403
    mgr = login(app, "mgr")
    r = mgr.post(f"/admin/cases/{case_id}/publishable", {"publishable": "0"},
                 token_from=f"/admin/cases/{case_id}")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.execute(sa.text(
            "SELECT publishable FROM bad_case WHERE id = :id"), {"id": case_id}).scalar() == 0


def test_report_cli_writes_the_files_and_refuses_a_bad_quarter(app, data, tmp_path):
    quarter = Quarter.containing(data.today)
    out = app.test_cli_runner().invoke(args=[
        "report", "quarter", quarter.label, "--xlsx", str(tmp_path / "r.xlsx"),
        "--html", str(tmp_path / "r.html")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "r.xlsx").stat().st_size > 1000
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "各部门指标" in html and "部门满意度排名" in html and "口径说明" in html
    bad = app.test_cli_runner().invoke(args=["report", "quarter", "2026Q5"])
    assert bad.exit_code != 0 and "2026Q4" in bad.output
    with pytest.raises(BadQuarter):
        Quarter.parse("Q4 2026")
    assert Quarter.parse("2026q1").previous.label == "2025Q4"
    assert Quarter.parse("2026-Q4").period == Period(
        datetime(2026, 10, 1).date(), datetime(2026, 12, 31).date())


def test_incremental_rollups_equal_a_rebuild(app, data):
    tables = ("rating_facet_day", "invitation_facet_day", "rating_daily", "rating_window_day",
              "rating_hourly", "rating_window_facet_day")

    def snapshot():
        return {t: db.session.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1, 2, 3")).all()
                for t in tables}

    def non_zero(rows):
        return [r for r in rows if any(v for v in r[3:] if isinstance(v, int))]

    with app.app_context():
        incremental = snapshot()
        for facet in ("window", "department"):
            invitations = [r for r in incremental["invitation_facet_day"] if r.facet == facet]
            assert sum(r.invited for r in invitations) == 2  # DS-2 counted once, at B01 now
            assert sum(r.rated for r in invitations) == 1
        from kiosk.stats import rollup
        with write_transaction(db.session()) as conn:
            rollup.rebuild(conn)
            db.session.commit()
        rebuilt = snapshot()
    for table in tables:
        assert non_zero(rebuilt[table]) == non_zero(incremental[table]), table


def test_report_and_definitions_in_english(app, data):
    web = login(app, "mgr")
    quarter = Quarter.containing(data.today)
    page = web.get(f"/admin/stats/report?quarter={quarter.label}&lang=en").get_data(
        as_text=True)
    assert "Indicators by department" in page and "Department ranking" in page
    assert "Satisfaction rate = (very satisfied + satisfied + basically satisfied)" in page
    stats = web.get("/admin/stats?lang=en").get_data(as_text=True)
    assert "Active rating rate = (all ratings − default ratings) ÷ all ratings." in stats


def test_a_window_or_department_filter_narrows_every_breakdown_alike(app, data):
    today = Period(data.today, data.today)
    with app.app_context():
        a01 = db.session.scalar(sa.text("SELECT id FROM window WHERE code = 'A01'"))
        for scope, expected_total in (({"window_id": a01}, 7),
                                      ({"department_id": data.police}, 5),
                                      ({"department_id": data.labour}, 6), ({}, 11)):
            total = queries.totals(today, **scope)
            assert total.total == expected_total, scope
            for dimension in queries.DIMENSIONS:
                rows = queries.breakdown(today, dimension, **scope)
                assert rows, (scope, dimension)
                if dimension != "reason":  # a 差评 may have several reasons, or none
                    assert sum(r.total for r in rows) == total.total, (scope, dimension)
                    assert sum(r.bad for r in rows) == total.bad, (scope, dimension)
                if dimension != "reason":
                    assert sum(r.defaults for r in rows) == total.defaults, (scope, dimension)
        # Window A01 serves 人社's own ratings and one of 公安's item (一窗受理).
        assert totals(queries.breakdown(today, "department", window_id=a01)) == {
            "五华区人社局": (6, 5), "五华区公安分局": (1, 1)}
        assert totals(queries.breakdown(today, "channel", window_id=a01)) == {
            "评价器": (2, 2), "窗口触摸屏": (3, 2), "二维码": (1, 1), "默认评价": (1, 1)}
        assert {r.label: r.bad for r in queries.breakdown(today, "reason", window_id=a01)} \
            == {"办事效率低、业务不熟练": 1, "服务态度差、政策解释不清楚": 1}
        assert queries.totals(today, window_id=a01).defaults == 1
    page = login(app, "mgr").get(f"/admin/stats?from={data.today}&to={data.today}"
                                 f"&window={a01}&by=channel").get_data(as_text=True)
    assert "二维码" in page and "默认评价" in page
