"""The quarterly 通报: every indicator per department and window, rankings with sample sizes
and Wilson lower bounds, overdue and unresolved 差评, and the change from the quarter before.

build() reads (SQL over the rollups, a handful of queries); sections() turns the result into
plain tables that the HTML page, the XLSX download and the CLI all print, so the three say
the same thing.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from kiosk.cases.labels import STATUS
from kiosk.extensions import db
from kiosk.stats import case_rollup, indicators, queries
from kiosk.stats.definitions import Period, wilson_lower_bound
from kiosk.stats.export import to_xlsx_book
from kiosk.stats.indicators import CaseCounts, Figures, Ratio
from kiosk.timeutil import to_local

QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
OPEN_CASES_LIMIT = 500
# The indicators in each per-department / per-window row, in the 通报's order.
ROW_INDICATORS = tuple(i.key for i in indicators.INDICATORS)


class BadQuarter(ValueError):
    pass


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """"2026Q4" (also "2026-Q4", "2026q4")."""
        match = QUARTER_RE.match((text or "").strip())
        if not match:
            raise BadQuarter(f"季度格式应为 2026Q4，收到：{text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def period(self) -> Period:
        first = date(self.year, 3 * self.number - 2, 1)
        after = (date(self.year + 1, 1, 1) if self.number == 4
                 else date(self.year, 3 * self.number + 1, 1))
        return Period(first, date.fromordinal(after.toordinal() - 1))

    @property
    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                          self.number - 1)


@dataclass
class Line:
    """One department or window: its figures this quarter and the quarter before."""

    key: str
    label: str
    now: Figures
    before: Figures

    @property
    def wilson(self) -> float:
        r = self.now.ratings
        return wilson_lower_bound(r.good, r.total)


@dataclass
class OpenCase:
    case_id: int
    registered: datetime  # hall time
    due: datetime  # hall time
    department: str
    window: str
    service: str
    status: str
    overdue: bool


@dataclass
class Report:
    quarter: Quarter
    hall_name: str
    generated: datetime  # hall time
    hall: Line
    departments: list[Line]
    windows: list[Line]
    open_cases: list[OpenCase]
    open_total: int


def _lines(current: list, before: list) -> list[Line]:
    previous = {row.key: f for row, f in before}
    return [Line(row.key, row.label, f, previous.get(row.key, Figures())) for row, f in current]


def _sum(figures) -> Figures:
    """The hall's figures: every rating, case and invitation has one department (0 for
    none), so the hall is the sum of the department columns."""
    return sum((f for _, f in figures), Figures())


_OPEN_CASES = (
    "SELECT c.id, c.registered_at, c.due_at, c.status, w.code || ' ' || w.name, "
    "coalesce(si.name, ''), r.department_id "
    "FROM bad_case c JOIN rating r ON r.id = c.rating_id JOIN window w ON w.id = c.window_id "
    "LEFT JOIN service_item si ON si.id = r.service_id "
    f"WHERE NOT r.excluded AND {indicators.sql_is_open('c.status')} "
    "AND c.rated_at < :end ORDER BY c.due_at LIMIT :limit"
)


def _open_cases(quarter: Quarter, now: datetime) -> tuple[list[OpenCase], int]:
    """差评 not closed, of ratings up to the quarter's end, earliest deadline first."""
    stmt = sa.text(_OPEN_CASES).bindparams(sa.bindparam("end", type_=sa.DateTime)).columns(
        registered_at=sa.DateTime(), due_at=sa.DateTime())
    params = {"end": quarter.period.utc_end, "limit": OPEN_CASES_LIMIT}
    rows = db.session.execute(stmt, params).all()
    names = queries.labels("department", [str(r[6] or 0) for r in rows])
    # Every day up to the quarter's last, from the case rollup.
    total = case_rollup.case_counts_by("", quarter.period.last.isoformat(), now).get(
        "0", CaseCounts()).open
    return [OpenCase(r[0], to_local(r[1]), to_local(r[2]), names[str(r[6] or 0)], r[4], r[5],
                     r[3], indicators.is_overdue(r[3], r[2], now)) for r in rows], int(total)


def build(quarter: Quarter, now: datetime) -> Report:
    hall_name = db.session.execute(sa.text("SELECT name FROM hall LIMIT 1")).scalar() or ""
    open_cases, open_total = _open_cases(quarter, now)
    departments = [queries.figures_by(q.period, now, "department")
                   for q in (quarter, quarter.previous)]
    windows = [queries.figures_by(q.period, now, "window") for q in (quarter, quarter.previous)]
    return Report(
        quarter=quarter, hall_name=hall_name, generated=to_local(now),
        hall=Line("0", hall_name, *(_sum(d) for d in departments)),
        departments=_lines(*departments), windows=_lines(*windows),
        open_cases=open_cases, open_total=open_total,
    )


# ---- the tables every output prints ------------------------------------------------------

@dataclass
class Section:
    key: str
    title: str
    note: str
    headers: list[str]
    rows: list[list]


def _pct(ratio: Ratio):
    return ratio.percent


def _change(now: Ratio, before: Ratio):
    """Percentage points, or None when either quarter has nothing to divide."""
    if now.percent is None or before.percent is None:
        return None
    return round(now.percent - before.percent, indicators.PERCENT_DECIMALS)


def _indicator_headers(first: str) -> list[str]:
    headers = [first, _("评价数")]
    for key in ROW_INDICATORS:
        name = _(indicators.BY_KEY[key].name)
        headers += [f"{name}%", _("%(name)s样本", name=name)]
    return headers + [_("满意率较上季度变化（百分点）"), _("差评未办结"), _("差评已逾期")]


def _indicator_row(line: Line) -> list:
    values = indicators.evaluate(line.now)
    before = indicators.satisfaction(line.before)
    row = [line.label, line.now.ratings.total]
    for key in ROW_INDICATORS:
        row += [_pct(values[key]), values[key].whole]
    return row + [_change(values["satisfaction"], before), line.now.cases.open,
                  line.now.cases.overdue]


def _ranking(lines: list[Line]) -> list[list]:
    ranked = sorted((ln for ln in lines if ln.now.ratings.total),
                    key=lambda ln: (-ln.wilson, -ln.now.ratings.total, ln.label))
    return [[i + 1, ln.label, ln.now.ratings.total, ln.now.ratings.good,
             _pct(indicators.satisfaction(ln.now)),
             round(100 * ln.wilson, indicators.PERCENT_DECIMALS),
             _change(indicators.satisfaction(ln.now), indicators.satisfaction(ln.before))]
            for i, ln in enumerate(ranked)]


def sections(report: Report) -> list[Section]:
    """The report's tables, in the reader's language (Chinese by default)."""
    q, prev = report.quarter, report.quarter.previous
    compare = _("上季度（%(quarter)s）", quarter=prev.label)
    hall_values = indicators.evaluate(report.hall.now)
    hall_before = indicators.evaluate(report.hall.before)
    hall_rows = [[_(indicators.BY_KEY[k].name), _pct(hall_values[k]), hall_values[k].part,
                  hall_values[k].whole, _pct(hall_before[k]),
                  _change(hall_values[k], hall_before[k])] for k in ROW_INDICATORS]
    hall_rows += [[_("差评未办结（当前）"), None, report.hall.now.cases.open, None, None, None],
                  [_("差评已逾期（当前）"), None, report.hall.now.cases.overdue, None, None,
                   None]]
    rank_headers = [_("名次"), _("名称"), _("评价数（样本）"), _("满意数"), _("满意率%"),
                    _("保守满意率%"), _("满意率较上季度变化（百分点）")]
    rank_note = _("按“保守满意率”排名：即按评价数推算、有 %(level)s 把握不低于的满意率（Wilson 区间"
                  "下限）。评价越少，保守满意率越低于实际满意率，因此 3 条评价全满意的窗口不会排在 "
                  "3000 条评价、满意率 %(rate)s 的窗口之前。请同时关注评价数。",
                  level="95%", rate="98%")
    open_note = _("截至生成时未办结的差评共 %(n)d 件；不含评价人信息。", n=report.open_total)
    if report.open_total > OPEN_CASES_LIMIT:
        open_note += " " + _("表中列出期限最早的 %(n)d 件。", n=OPEN_CASES_LIMIT)
    yes, no = _("是"), _("否")
    return [
        Section("hall", _("%(hall)s %(quarter)s 好差评指标", hall=report.hall_name,
                          quarter=q.label), compare,
                [_("指标"), _("本季度%"), _("分子"), _("分母（样本）"), f"{compare}%",
                 _("变化（百分点）")], hall_rows),
        Section("departments", _("各部门指标"),
                _("部门为评价的责任部门（事项的实施主体，否则窗口所属部门）。"),
                _indicator_headers(_("部门")), [_indicator_row(ln) for ln in report.departments]),
        Section("windows", _("各窗口指标"), "", _indicator_headers(_("窗口")),
                [_indicator_row(ln) for ln in report.windows]),
        Section("department_ranking", _("部门满意度排名"), rank_note, rank_headers,
                _ranking(report.departments)),
        Section("window_ranking", _("窗口满意度排名"), rank_note, rank_headers,
                _ranking(report.windows)),
        Section("open_cases", _("逾期及未办结差评"), open_note,
                [_("工单号"), _("登记时间"), _("整改期限"), _("责任部门"), _("窗口"), _("事项"),
                 _("状态"), _("已逾期")],
                [[c.case_id, c.registered.strftime("%Y-%m-%d %H:%M"),
                  c.due.strftime("%Y-%m-%d"), c.department, c.window, c.service,
                  str(STATUS.get(c.status, c.status)), yes if c.overdue else no]
                 for c in report.open_cases]),
        Section("definitions", _("口径说明"), "", [_("口径")],
                [[_(line)] for line in indicators.explanations()]),
    ]


def xlsx(built: Report) -> bytes:
    """The download: one sheet per section."""
    return to_xlsx_book([(s.title, s.headers, s.rows) for s in sections(built)])
