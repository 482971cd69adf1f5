"""One data set; every page, export, the wall screen, the dashboard and the quarterly report
(page, XLSX, CLI) show the same figures — and the figures are the ones worked out by hand."""
import io
import re

import pytest
from openpyxl import load_workbook

from kiosk.stats import indicators
from kiosk.stats.report import Quarter
from tests.cases.helpers import login
from tests.stats import dataset

pytestmark = pytest.mark.timeout(120)

# Worked out from tests/stats/dataset.py: 11 counted ratings (one 差评 excluded after an
# accepted appeal), 1 default rating, 3 counted 差评 cases (one finished on time, one late,
# one open past its deadline), 2 invitations of which 1 rated.
EXPECTED = {
    "satisfaction": (8, 11), "bad_rate": (3, 11), "active_rate": (10, 11),
    "coverage": (1, 2), "rectification_rate": (2, 3), "on_time_rate": (1, 3),
    "revisit_rate": (1, 1), "revisit_satisfaction": (1, 1), "appeal_rate": (1, 4),
    "appeal_upheld_rate": (1, 1),
}


@pytest.fixture
def data(app):
    return dataset.build(app)


def _page_figures(html: str) -> dict[str, tuple[int, int]]:
    found = re.findall(r'id="ind-(\w+)" data-part="(\d+)" data-whole="(\d+)"', html)
    return {key: (int(part), int(whole)) for key, part, whole in found}


def _pct(part, whole):
    return indicators.Ratio(part, whole).percent


def test_every_output_shows_the_same_figures(app, data):
    web = login(app, "mgr")
    quarter = Quarter.containing(data.today)
    first, last = quarter.period.first, quarter.period.last

    # The statistics page, for today and for the quarter: all the data is from today.
    today_page = web.get(f"/admin/stats?from={data.today}&to={data.today}").get_data(
        as_text=True)
    quarter_page = web.get(f"/admin/stats?from={first}&to={last}").get_data(as_text=True)
    assert _page_figures(today_page) == _page_figures(quarter_page) == EXPECTED
    for part, whole in EXPECTED.values():
        assert f"{_pct(part, whole):.2f}%" in quarter_page
    for line in indicators.explanations():  # 口径说明 in the docstrings' words
        assert line in quarter_page
    assert re.search(r'id="cases-open">2<', quarter_page)
    assert re.search(r'id="cases-overdue">1<', quarter_page)

    # The wall screen: today's hall tally, open/overdue cases and this month's on-time rate.
    wall = web.get("/display/data.json").get_json()
    assert (wall["hall"]["total"], wall["hall"]["good"]) == (11, 8)
    assert wall["hall"]["good_rate"] == _pct(8, 11)
    assert wall["cases"] == {"open": 2, "overdue": 1, "on_time_rate": _pct(1, 3)}
    per_window = {w["code"]: (w["total"], w["good"]) for w in wall["windows"]}
    assert per_window["A01"] == (7, 6) and per_window["A02"] == (4, 2)

    # The admin start page and the case list count open/overdue the same way.
    start = web.get("/admin/").get_data(as_text=True)
    assert '<p class="num" id="open-cases">2</p>' in start
    assert re.search(r'id="overdue-cases"[^>]*>1</strong>', start)
    assert "未办结 2 件，逾期未整改 1 件。" in web.get("/admin/cases").get_data(as_text=True)

    # Breakdown export by department, and the report's department rows.
    csv_text = web.get(f"/admin/stats/export.csv?from={first}&to={last}&by=department").data \
        .decode("utf-8-sig")
    by_dept = {row.split(",")[0]: row.split(",") for row in csv_text.strip().splitlines()[1:]}
    assert by_dept["五华区人社局"][1] == "6" and by_dept["五华区公安分局"][1] == "5"
    assert float(by_dept["五华区人社局"][7]) == _pct(5, 6)
    assert float(by_dept["五华区公安分局"][7]) == _pct(3, 5)

    # The quarterly report: HTML page, XLSX download and CLI print the same tables.
    html = web.get(f"/admin/stats/report?quarter={quarter.label}").get_data(as_text=True)
    book = load_workbook(io.BytesIO(
        web.get(f"/admin/stats/report.xlsx?quarter={quarter.label}").data))
    sheets = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}
    hall_sheet = next(rows for title, rows in sheets.items() if "好差评指标" in title)
    hall_rows = {row[0]: row for row in hall_sheet[1:]}
    for key, (part, whole) in EXPECTED.items():
        name = indicators.BY_KEY[key].name
        assert hall_rows[name][1:4] == [_pct(part, whole), part, whole], name
        assert f"<th scope=\"row\">{name}</th><td>{_pct(part, whole)}</td>" in html
    dept_rows = {row[0]: row for row in sheets["各部门指标"][1:]}
    assert dept_rows["五华区人社局"][1:4] == [6, _pct(5, 6), 6]
    assert dept_rows["五华区公安分局"][1:4] == [5, _pct(3, 5), 5]
    ranking = sheets["部门满意度排名"]
    assert [r[1] for r in ranking[1:]] == ["五华区人社局", "五华区公安分局"]
    assert ranking[1][2] == 6  # the sample size beside each rank
    cli = app.test_cli_runner().invoke(args=["report", "quarter", quarter.label])
    assert cli.exit_code == 0, cli.output
    for key, (part, whole) in EXPECTED.items():
        name = indicators.BY_KEY[key].name
        assert f"{name}\t{_pct(part, whole)}\t{part}\t{whole}\t" in cli.output


def test_a_handler_sees_only_their_departments_figures(app, data):
    from kiosk.extensions import db
    from tests.cases.helpers import user

    with app.app_context():
        user("h2").department_id = data.police
        db.session.commit()
    web = login(app, "h2")
    page = web.get(f"/admin/stats?from={data.today}&to={data.today}"
                   f"&department={data.labour}").get_data(as_text=True)
    figures = _page_figures(page)
    assert figures["satisfaction"] == (3, 5)  # 公安's, whatever the URL asks for
    assert figures["rectification_rate"] == (1, 2)


# ---- the case rollup gives the direct count's figures -------------------------------------

def _rollup_rows():
    import sqlalchemy as sa

    from kiosk.extensions import db
    from kiosk.stats import case_rollup

    counts = " + ".join(case_rollup.COLUMNS)
    return db.session.execute(sa.text(
        f"SELECT facet, day, key, due_at, {', '.join(case_rollup.COLUMNS)} FROM case_facet_day "
        f"WHERE {counts} != 0 ORDER BY 1, 2, 3, 4")).all()


def assert_rollup_is_direct(today, departments, windows):
    """For every cut the pages ask for, at moments before, at and after the deadlines."""
    from datetime import timedelta

    from kiosk.models.base import utcnow
    from kiosk.stats import queries
    from kiosk.stats.definitions import Period

    now = utcnow()
    periods = [None, Period(today, today), Quarter.containing(today).period,
               Period(today - timedelta(days=3), today - timedelta(days=1))]
    for at in (now, now - timedelta(hours=3), now + timedelta(days=40)):
        for period in periods:
            cuts = [("hall", {}), ("department", {}), ("window", {})]
            cuts += [("hall", {"department_id": d}) for d in departments]
            cuts += [("hall", {"window_id": w}) for w in windows]
            for group, scope in cuts:
                rolled = queries.case_rollup.case_counts_by(
                    period and period.first.isoformat(), period and period.last.isoformat(),
                    at, group, **scope)
                direct = queries.case_counts_direct_by(period, at, group, **scope)
                assert rolled == direct, (period, at, group, scope)
                assert queries.case_counts_by(period, at, group, **scope) == direct


def test_the_case_rollup_gives_the_direct_counts(app, data):
    import sqlalchemy as sa

    from kiosk.extensions import db

    with app.app_context():
        windows = list(db.session.scalars(sa.text("SELECT id FROM window")))
        assert any(queries_total for queries_total in _rollup_rows())
        assert_rollup_is_direct(data.today, (data.police, data.labour, 0), windows)
        kept = _rollup_rows()
    # `stats rebuild` computes what the steps kept up to date.
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _rollup_rows() == kept
