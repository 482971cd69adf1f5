"""/admin/stats: statistics, rankings, integrity flags and live alerts; CSV/XLSX export."""
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l

from kiosk.auth.decorators import role_required
from kiosk.models.base import utcnow
from kiosk.stats import charts, indicators, integrity, queries, tables
from kiosk.stats.definitions import parse_period, trend_grain
from kiosk.stats.export import to_csv, to_xlsx
from kiosk.timeutil import to_local

bp = Blueprint("stats", __name__, url_prefix="/admin/stats")
READERS = ("admin", "manager", "auditor")
NAV = [
    ("cases.case_list", _l("差评整改"), ("admin", "manager", "handler", "auditor")),
    ("stats.overview", _l("统计"), READERS),
    ("stats.rankings", _l("排名"), READERS),
    ("stats.integrity_page", _l("异常监测"), READERS),
]
DIMENSION_LABELS = {
    "hall": _l("大厅"), "window": _l("窗口"), "staff": _l("工作人员"), "service": _l("事项"),
    "day": _l("日"), "week": _l("周（周一）"), "month": _l("月"), "quarter": _l("季度"),
}


def _params():
    today = to_local(utcnow()).date()
    period = parse_period(request.args.get("from"), request.args.get("to"), today)
    window_id = request.args.get("window", type=int) or None
    return period, window_id


def _dimension(allowed, default):
    value = request.args.get("by", default)
    return value if value in allowed else default


@bp.get("")
@role_required(*READERS)
def overview():
    period, window_id = _params()
    dimension = _dimension(queries.DIMENSIONS, "window")
    now = utcnow()
    total = queries.totals(period, window_id)
    grain = trend_grain(period)
    trend_rows = queries.breakdown(period, grain, window_id)
    rows = trend_rows if dimension == grain else queries.breakdown(period, dimension, window_id)
    headers, table = tables.breakdown_table(rows, str(DIMENSION_LABELS[dimension]))
    figures = queries.figures(period, now, window_id)
    return render_template(
        "stats/overview.html", period=period, window_id=window_id, dimension=dimension,
        dimensions=DIMENSION_LABELS, windows=queries.windows(), total=total,
        headers=headers, table=table, figures=figures,
        indicators=[(i, i.compute(figures)) for i in indicators.INDICATORS],
        explanations=indicators.explanations(),
        alerts=integrity.current_alerts(now),
        level_chart=charts.level_distribution(total.counts, "评价等级分布"),
        trend_chart=charts.trend([(r.label, r.total, r.good_rate) for r in trend_rows],
                                 "评价数量与满意率趋势"),
        heat_chart=charts.hour_weekday_heatmap(queries.heatmap(period, window_id),
                                               "评价时段分布（星期 × 小时）"),
    )


@bp.get("/rankings")
@role_required(*READERS)
def rankings():
    period, _ = _params()
    dimension = _dimension(queries.RANK_DIMENSIONS, "window")
    headers, table = tables.ranking_table(queries.rankings(period, dimension),
                                          str(DIMENSION_LABELS[dimension]))
    return render_template("stats/rankings.html", period=period, dimension=dimension,
                           dimensions={k: DIMENSION_LABELS[k] for k in queries.RANK_DIMENSIONS},
                           headers=headers, table=table)


@bp.get("/integrity")
@role_required(*READERS)
def integrity_page():
    today = to_local(utcnow()).date()
    default_from = request.args.get("from") or today.replace(day=1).isoformat()
    period = parse_period(default_from, request.args.get("to"), today)
    now = utcnow()
    return render_template(
        "stats/integrity.html", period=period, integrity=integrity,
        bursts=integrity.burst_flags(period.utc_start, period.utc_end),
        ratios=integrity.invitation_ratios(period.utc_start, period.utc_end, now),
        alerts=integrity.current_alerts(now),
    )


@bp.get("/export.<fmt>")
@role_required(*READERS)
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    period, window_id = _params()
    which = request.args.get("table", "breakdown")
    if which == "rankings":
        dimension = _dimension(queries.RANK_DIMENSIONS, "window")
        headers, rows = tables.ranking_table(queries.rankings(period, dimension),
                                             str(DIMENSION_LABELS[dimension]))
    elif which == "breakdown":
        dimension = _dimension(queries.DIMENSIONS, "window")
        headers, rows = tables.breakdown_table(queries.breakdown(period, dimension, window_id),
                                               str(DIMENSION_LABELS[dimension]))
    else:
        abort(404)
    name = f"stats-{which}-{dimension}-{period.first}-{period.last}.{fmt}"
    if fmt == "csv":
        return Response(to_csv(headers, rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(to_xlsx(headers, rows, which),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
