"""/admin/stats: statistics, rankings, integrity flags and live alerts; CSV/XLSX export."""
from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.auth.decorators import role_required
from kiosk.models.base import utcnow
from kiosk.stats import charts, indicators, integrity, queries, report, tables
from kiosk.stats.definitions import parse_period, trend_grain
from kiosk.stats.export import to_csv, to_xlsx
from kiosk.timeutil import to_local

bp = Blueprint("stats", __name__, url_prefix="/admin/stats")
READERS = ("admin", "manager", "auditor")
# A handler reads the figures of their own department only (see _scope()).
FIGURE_READERS = (*READERS, "handler")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAV = [
    ("cases.case_list", _l("差评整改"), ("admin", "manager", "handler", "auditor"), "cases"),
    ("stats.overview", _l("评价统计"), FIGURE_READERS, "stats"),
    ("stats.rankings", _l("排名"), FIGURE_READERS, "stats"),
    ("stats.integrity_page", _l("异常监测"), READERS, "stats"),
    ("stats.quarter_report", _l("季度通报"), READERS, "stats"),
]
DIMENSION_LABELS = {
    "hall": _l("大厅"), "department": _l("部门"), "window": _l("窗口"),
    "staff": _l("工作人员"), "service": _l("事项"), "channel": _l("评价渠道"),
    "reason": _l("差评原因"), "day": _l("日"), "week": _l("周（周一）"), "month": _l("月"),
    "quarter": _l("季度"), "year": _l("年"),
}


GRAIN_NOTES = {"day": _l("每根柱为一天；没有评价的日期为空柱，满意率线在该处断开。"),
               "week": _l("每根柱为一周（周一起）；没有评价的周为空柱。"),
               "month": _l("每根柱为一个月；没有评价的月份为空柱。")}


def quick_ranges(today: date) -> list[tuple[str, date, date]]:
    """The periods a manager asks for most, as one-click links beside the filter bar."""
    return [(_("今天"), today, today), (_("近 7 天"), today - timedelta(days=6), today),
            (_("近 30 天"), today - timedelta(days=29), today),
            (_("本月"), today.replace(day=1), today)]


def _params():
    """(period, window_id, department_id) from the query string; a handler's department is
    fixed to their own, whatever the URL says."""
    today = to_local(utcnow()).date()
    period = parse_period(request.args.get("from"), request.args.get("to"), today)
    window_id = request.args.get("window", type=int) or None
    department_id = request.args.get("department", type=int) or None
    if current_user.role == "handler":
        if current_user.department_id is None:
            abort(403)
        department_id, window_id = current_user.department_id, None
    if department_id:
        window_id = None  # one scope at a time: the department's figures, or one window's
    return period, window_id, department_id


def _dimension(allowed, default):
    value = request.args.get("by", default)
    return value if value in allowed else default


@bp.get("")
@role_required(*FIGURE_READERS)
def overview():
    period, window_id, department_id = _params()
    dimension = _dimension(queries.DIMENSIONS, "window")
    now = utcnow()
    total = queries.totals(period, window_id, department_id)
    grain = trend_grain(period)
    trend_rows = queries.breakdown(period, grain, window_id, department_id)
    rows = (trend_rows if dimension == grain
            else queries.breakdown(period, dimension, window_id, department_id))
    headers, table = tables.breakdown_table(rows, str(DIMENSION_LABELS[dimension]))
    figures = queries.figures(period, now, window_id, department_id)
    return render_template(
        "stats/overview.html", period=period, window_id=window_id, dimension=dimension,
        dimensions=DIMENSION_LABELS, windows=queries.windows(), total=total,
        department_id=department_id, departments=queries.departments(),
        headers=headers, table=table, figures=figures,
        indicators=[(i, i.compute(figures)) for i in indicators.INDICATORS],
        explanations=indicators.explanations(),
        alerts=integrity.current_alerts(now),
        level_chart=charts.level_distribution(total.counts, _("评价等级分布")),
        trend_chart=charts.trend(charts.zero_filled(trend_rows, period, grain),
                                 _("评价数量与满意率趋势")),
        grain_note=GRAIN_NOTES[grain],
        quick_ranges=quick_ranges(to_local(now).date()),
        # The hourly rollup is per window and hall only: no heatmap for one department.
        heat_chart=None if department_id else charts.hour_weekday_heatmap(
            queries.heatmap(period, window_id), _("评价时段分布（星期 × 小时）")),
    )


@bp.get("/rankings")
@role_required(*FIGURE_READERS)
def rankings():
    period, _, department_id = _params()
    dimension = _dimension(queries.RANK_DIMENSIONS, "window")
    headers, table = tables.ranking_table(queries.rankings(period, dimension, department_id),
                                          str(DIMENSION_LABELS[dimension]))
    return render_template("stats/rankings.html", period=period, dimension=dimension,
                           dimensions={k: DIMENSION_LABELS[k] for k in queries.RANK_DIMENSIONS},
                           headers=headers, table=table, department_id=department_id,
                           departments=queries.departments(),
                           quick_ranges=quick_ranges(to_local(utcnow()).date()))


@bp.get("/integrity")
@role_required(*READERS)
def integrity_page():
    today = to_local(utcnow()).date()
    default_from = request.args.get("from") or today.replace(day=1).isoformat()
    period = parse_period(default_from, request.args.get("to"), today)
    now = utcnow()
    repeat = {"count": current_app.config.get("STATS_REPEATED_BAD_COUNT",
                                              integrity.REPEATED_BAD_COUNT),
              "days": current_app.config.get("STATS_REPEATED_BAD_DAYS",
                                             integrity.REPEATED_BAD_DAYS)}
    return render_template(
        "stats/integrity.html", period=period, integrity=integrity, repeat=repeat,
        bursts=integrity.burst_flags(period.utc_start, period.utc_end),
        bad_bursts=integrity.burst_flags(period.utc_start, period.utc_end, kind="bad"),
        repeated={dim: integrity.repeated_bad(period.first, period.last, dim, **repeat)
                  for dim in ("staff", "department")},
        ratios=integrity.invitation_ratios(period.utc_start, period.utc_end, now),
        alerts=integrity.current_alerts(now),
    )


@bp.get("/export.<fmt>")
@role_required(*FIGURE_READERS)
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    period, window_id, department_id = _params()
    which = request.args.get("table", "breakdown")
    if which == "rankings":
        dimension = _dimension(queries.RANK_DIMENSIONS, "window")
        headers, rows = tables.ranking_table(queries.rankings(period, dimension, department_id),
                                             str(DIMENSION_LABELS[dimension]))
    elif which == "breakdown":
        dimension = _dimension(queries.DIMENSIONS, "window")
        headers, rows = tables.breakdown_table(
            queries.breakdown(period, dimension, window_id, department_id),
            str(DIMENSION_LABELS[dimension]))
    else:
        abort(404)
    name = f"stats-{which}-{dimension}-{period.first}-{period.last}.{fmt}"
    if fmt == "csv":
        return Response(to_csv(headers, rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(to_xlsx(headers, rows, which), mimetype=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _quarter() -> report.Quarter:
    text = request.args.get("quarter")
    if not text:
        return report.Quarter.containing(to_local(utcnow()).date())
    try:
        return report.Quarter.parse(text)
    except report.BadQuarter:
        abort(400)


@bp.get("/report")
@role_required(*READERS)
def quarter_report():
    """The quarterly 通报 as a printable page."""
    quarter = _quarter()
    built = report.build(quarter, utcnow())
    links = {"xlsx": url_for("stats.quarter_report_xlsx", quarter=quarter.label),
             "back": url_for("stats.overview")}
    return render_template("stats/report.html", report=built,
                           sections=report.sections(built), links=links)


@bp.get("/report.xlsx")
@role_required(*READERS)
def quarter_report_xlsx():
    quarter = _quarter()
    body = report.xlsx(report.build(quarter, utcnow()))
    return Response(body, mimetype=XLSX_MIME, headers={
        "Content-Disposition": f'attachment; filename="report-{quarter.label}.xlsx"'})
