"""The admin start page: the manager's workbench (kiosk/admin/workbench.py)."""
from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kiosk.admin import bp, workbench
from kiosk.cases import labels
from kiosk.cases.views import rating_reason_texts
from kiosk.i18n import select_locale
from kiosk.models.base import utcnow
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.stats import charts


@bp.get("/")
@login_required
def dashboard():
    now = utcnow()
    bench = workbench.build(current_user, now, select_locale())
    chart = None
    if bench.trend_period:
        chart = charts.trend(charts.zero_filled(bench.trend, bench.trend_period, "day"),
                             _("近 30 天评价数与满意率"))
    return render_template("admin/dashboard.html", bench=bench, chart=chart,
                           quiet_hours=workbench.QUIET_HOURS, now=now, levels=LEVEL_NAMES,
                           statuses=labels.STATUS, reason_texts=rating_reason_texts)
