"""The supervisor's pages: the overview across halls and one page per hall."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.auth.decorators import role_required
from kiosk.cases import labels
from kiosk.extensions import csrf, db
from kiosk.hub import bp, chain_status, drilldown, incident_review, trend
from kiosk.hub.dashboard import SILENT_AFTER, department_overview, hall_overview
from kiosk.i18n import select_locale
from kiosk.models import HubHall
from kiosk.models.base import utcnow
from kiosk.stats import charts, indicators

READERS = ("admin", "manager", "auditor")


def _month(points) -> dict:
    """The 30-day figures and chart every page shows."""
    total = sum(p.total for p in points)
    return {"days": points, "month_total": total,
            "month": indicators.satisfaction(trend.counts(total, sum(p.good for p in points)))}


@bp.get("/")
@role_required(*READERS)
def dashboard():
    now = utcnow()
    halls = hall_overview(now)
    today = indicators.satisfaction(trend.counts(sum(h.today for h in halls),
                                                 sum(h.today_good for h in halls)))
    days = trend.daily(now)
    chains = chain_status.dashboard_context()
    chains["incidents"] = incident_review.listing(limit=chain_status.RECENT)  # unreviewed first
    return render_template(
        "hub/dashboard.html", halls=halls, now=now, today=today,
        silent_minutes=int(SILENT_AFTER.total_seconds() // 60),
        unreviewed_incidents=sum(c.unreviewed_total for c in chains["chains"]),
        may_review=current_user.role in incident_review.REVIEWING_ROLES,
        today_total=sum(h.today for h in halls),
        overdue=sum(h.bad_overdue for h in halls), silent=[h for h in halls if h.silent(now)],
        trend_chart=charts.trend(trend.chart_points(days), _("近30日各大厅评价数量与满意率")),
        departments=department_overview(now), hall_names={h.code: h.name for h in halls},
        **_month(days), **chains)


@bp.get("/halls/<code>")
@role_required(*READERS)
def hall(code: str):
    now = utcnow()
    row = next((h for h in hall_overview(now) if h.code == code), None)
    if row is None:
        abort(404)
    days = trend.daily(now, hall=code)
    total = drilldown.case_count(code)
    pages = max(1, -(-total // drilldown.CASES_SHOWN))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template(
        "hub/hall.html", hall=row, now=now, case_total=total, case_page=page, case_pages=pages,
        registered=db.session.scalar(sa.select(HubHall).where(HubHall.code == code)),
        trend_chart=charts.trend(trend.chart_points(days), _("近30日评价数量与满意率")),
        windows=drilldown.windows(code, now),
        departments=[d for d in department_overview(now) if d.hall == code],
        cases=drilldown.cases(code, now, select_locale(), limit=drilldown.CASES_SHOWN,
                              offset=(page - 1) * drilldown.CASES_SHOWN),
        cases_shown=drilldown.CASES_SHOWN,
        status_names=labels.STATUS,
        chain=next((c for c in chain_status.chain_overview() if c.code == code), None),
        **_month(days))


@bp.get("/integrity")
@role_required(*READERS)
def integrity():
    """Every hall's chain, and its incidents to review (unreviewed first)."""
    hall_code = request.args.get("hall") or None
    show = request.args.get("show", "unreviewed")
    context = chain_status.dashboard_context()
    context["incidents"] = incident_review.listing(hall_code, unreviewed_only=show != "all")
    return render_template("hub/integrity.html", show=show, hall_code=hall_code, integrity_page=True,
                           may_review=current_user.role in incident_review.REVIEWING_ROLES,
                           incidents_heading=_("待复核的完整性异常") if show != "all"
                           else _("全部完整性异常"), **context)


@bp.post("/integrity/<int:incident_id>/review")
@role_required(*READERS)
def review_incident(incident_id: int):
    csrf.protect()  # the blueprint is exempt for the halls' signed API; this is a person's form
    try:
        incident_review.review(current_user, incident_id, request.form.get("note", ""), utcnow())
    except incident_review.ReviewError as exc:
        if exc.status in (403, 404):
            abort(exc.status, exc.message)
        flash(exc.message, "error")
    else:
        flash(_("已标记为已复核；异常记录保持不变。"), "ok")
    return redirect(url_for("hub.integrity"))
