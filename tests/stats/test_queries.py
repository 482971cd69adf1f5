"""Statistics exact on a hand-built data set: known counts give known rates; excluded
ratings are left out; periods and buckets follow hall (Beijing) time."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from kiosk.cases import appeals, service
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.stats import indicators, queries, rollup
from kiosk.stats.definitions import Period
from kiosk.timeutil import to_utc
from tests.cases.helpers import add_users, bad_rating, user

pytestmark = pytest.mark.timeout(60)
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def rate_at(window, level, local: datetime, phone=None):
    if level >= 4:
        return bad_rating(window, level, phone=phone, rated_at=to_utc(local))
    record_rating(window_code=window, level=level, channel="evaluator", rated_at=to_utc(local))
    return None


@pytest.fixture
def data(app):
    add_users(app)
    with app.app_context():
        rate_at("A01", 1, datetime(2026, 3, 31, 23, 59))  # before the period (UTC: 15:59)
        rate_at("A01", 1, datetime(2026, 4, 1, 0, 0))  # first instant (UTC: 3-31 16:00)
        rate_at("A01", 2, datetime(2026, 4, 1, 9, 30))
        _, founded = rate_at("A01", 4, datetime(2026, 4, 1, 10, 15), phone="13812345678")
        rate_at("A02", 3, datetime(2026, 4, 2, 14, 0))
        _, mistaken = rate_at("A02", 5, datetime(2026, 4, 2, 14, 5))
        rate_at("A02", 1, datetime(2026, 4, 30, 23, 59, 59))  # last second
        rate_at("A02", 1, datetime(2026, 5, 1, 0, 0))  # after the period
        mgr, h1 = user("mgr"), user("h1")
        service.assign(mgr, founded, h1.id)
        service.verify(h1, founded, "founded", "属实")
        service.rectify(h1, founded, "整改")
        service.reply(h1, founded, "已整改")
        service.revisit(mgr, founded, "satisfied")
        service.assign(mgr, mistaken, h1.id)
        appeals.file_appeal(h1, mistaken, "误按")
        appeals.decide_appeal(mgr, mistaken, True, "核实为误按")
        yield


def by_key(rows):
    return {r.key: r.counts for r in rows}


def test_totals_and_rates_leave_out_excluded_and_outside_ratings(data):
    total = queries.totals(APRIL)
    assert total.counts == (2, 1, 1, 1, 0)
    assert total.total == 5 and total.good == 4 and total.bad == 1
    assert total.good_rate == pytest.approx(0.8) and total.bad_rate == pytest.approx(0.2)


def test_breakdowns_per_window_staff_and_time_bucket(data):
    assert by_key(queries.breakdown(APRIL, "window")) == {"1": (1, 1, 0, 1, 0),
                                                          "2": (1, 0, 1, 0, 0)}
    staff = {r.label: r.total for r in queries.breakdown(APRIL, "staff")}
    assert staff == {"张三 (YN0101)": 3, "李四 (YN0102)": 2}
    assert {r.label: r.total for r in queries.breakdown(APRIL, "service")} == {
        "（未关联事项）": 5}
    days = {r.key: r.total for r in queries.breakdown(APRIL, "day")}
    assert days == {"2026-04-01": 3, "2026-04-02": 1, "2026-04-30": 1}
    weeks = {r.key: r.total for r in queries.breakdown(APRIL, "week")}
    assert weeks == {"2026-03-30": 4, "2026-04-27": 1}  # Mondays
    assert {r.key: r.total for r in queries.breakdown(APRIL, "month")} == {"2026-04": 5}
    spring = Period(date(2026, 3, 1), date(2026, 5, 31))
    assert {r.key: r.total for r in queries.breakdown(spring, "quarter")} == {
        "2026-Q1": 1, "2026-Q2": 6}
    one_window = queries.totals(APRIL, window_id=2)
    assert one_window.counts == (1, 0, 1, 0, 0)


def test_heatmap_in_hall_time(data):
    cells = queries.heatmap(APRIL)
    assert cells[(2, 0)] == (1, 0)  # Wednesday 00:00 local, though UTC says Tuesday 16:00
    assert cells[(2, 10)] == (1, 1)
    assert sum(n for n, _ in cells.values()) == 5


def test_case_counts(data):
    counts = queries.case_counts(APRIL, utcnow())
    assert (counts.cases, counts.finished, counts.due, counts.on_time) == (1, 1, 1, 1)
    assert (counts.real_name, counts.real_name_revisited, counts.revisit_satisfied) == (1, 1, 1)
    # The excluded 差评's accepted appeal still counts in the appeal figures.
    assert (counts.appeal_base, counts.appealed, counts.appeal_decided,
            counts.appeal_accepted) == (2, 1, 1, 1)
    f = indicators.Figures(cases=counts)
    assert indicators.rectification_rate(f).value == indicators.on_time_rate(f).value == 1.0
    assert indicators.revisit_rate(f).value == indicators.appeal_upheld_rate(f).value == 1.0
    assert indicators.appeal_rate(f) == indicators.Ratio(1, 2)


def test_rankings_sort_by_wilson_bound(data):
    ranked = queries.rankings(APRIL, "window")
    # A02: 2 of 2 good (bound 0.342); A01: 2 of 3 (bound 0.208).
    assert [r.key for r in ranked] == ["2", "1"]


def test_rollups_equal_a_rebuild_from_the_ratings(data):
    def snapshot():
        return (db.session.execute(sa.text("SELECT * FROM rating_daily ORDER BY 1,2,3,4")).all(),
                db.session.execute(sa.text("SELECT * FROM rating_hourly ORDER BY 1,2,3")).all(),
                db.session.execute(sa.text("SELECT * FROM rating_window_day ORDER BY 1,2")).all(),
                db.session.execute(sa.text(
                    "SELECT * FROM rating_facet_day WHERE n1 + n2 + n3 + n4 + n5 > 0 "
                    "ORDER BY 1, 2, 3, 4")).all())

    incremental = snapshot()
    with write_transaction(db.session()) as conn:
        rollup.rebuild(conn)
        db.session.commit()
    assert snapshot() == incremental


def test_stats_pages_state_definitions_and_export(app, data):
    from tests.cases.helpers import login

    web = login(app, "mgr")
    page = web.get("/admin/stats?from=2026-04-01&to=2026-04-30&by=window").get_data(
        as_text=True)
    assert 'id="total">5<' in page and "80.00%" in page and "20.00%" in page
    for line in indicators.explanations():
        assert line in page
    assert "<svg" in page and "<title" in page and "<desc" in page
    ranking = web.get("/admin/stats/rankings?from=2026-04-01&to=2026-04-30").get_data(
        as_text=True)
    assert "样本数" in ranking and "Wilson" in ranking
    csv_body = web.get("/admin/stats/export.csv?from=2026-04-01&to=2026-04-30&by=day").data
    lines = csv_body.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "日,评价数,非常满意,满意,基本满意,不满意,非常不满意,满意率%,差评率%"
    assert lines[1] == "2026-04-01,3,1,1,0,1,0,66.67,33.33"
    import io

    from openpyxl import load_workbook

    xlsx = web.get("/admin/stats/export.xlsx?table=rankings&from=2026-04-01&to=2026-04-30").data
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["名次", "窗口", "样本数", "满意数", "满意率%", "Wilson下限%"]
    assert values[1][:5] == [1, "A02 综合受理窗口", 2, 2, 100.0]
    ledger = load_workbook(io.BytesIO(web.get("/admin/cases/ledger.xlsx").data))
    cases = [[c.value for c in row] for row in ledger["差评台账"].iter_rows()]
    assert len(cases) == 3 and "138****5678" in cases[1] and "13812345678" not in str(cases)
    steps = [[c.value for c in row] for row in ledger["处理记录"].iter_rows()]
    assert [s[3] for s in steps[1:] if s[0] == cases[1][0]] == [
        "register", "assign", "verify", "rectify", "reply", "revisit"]


def test_stats_rebuild_command_counts_ratings_that_arrived_another_way(app, data):
    from uuid6 import uuid7

    from kiosk.models import Rating

    with app.app_context():
        # A restored or imported rating, written past the ratings service: not in the rollups.
        db.session.add(Rating(id=uuid7(), level=5, scale=5, channel="qr", window_id=1,
                              rated_at=to_utc(datetime(2026, 4, 20, 9, 0))))
        db.session.commit()
        assert queries.totals(APRIL).total == 5
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rollups rebuilt" in result.output
    with app.app_context():
        assert queries.totals(APRIL).counts == (2, 1, 1, 1, 1)
