"""The admin start page: today's numbers and what needs attention now."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required

from kiosk.admin import bp
from kiosk.cases.service import open_and_overdue_counts
from kiosk.extensions import db
from kiosk.models import Device, Rating, Window
from kiosk.models.base import utcnow
from kiosk.timeutil import to_local, to_utc


def today_bounds_utc(now: datetime) -> tuple[datetime, datetime]:
    """Today in the hall's time zone, as naive UTC bounds."""
    start = to_utc(datetime.combine(to_local(now).date(), time.min))
    return start, start + timedelta(days=1)


@bp.get("/")
@login_required
def dashboard():
    now = utcnow()
    start, end = today_bounds_utc(now)
    ratings_today = db.session.scalar(
        sa.select(sa.func.count(Rating.id)).where(Rating.rated_at >= start, Rating.rated_at < end)
    )
    offline = db.session.scalars(
        sa.select(Device).where(Device.online.is_(False)).order_by(Device.port, Device.address)
    ).all()
    paused = db.session.scalars(
        sa.select(Window).where(Window.paused.is_(True)).order_by(Window.code)
    ).all()
    return render_template(
        "admin/dashboard.html", ratings_today=ratings_today, cases=open_and_overdue_counts(now, current_user),
        offline=offline, paused=paused,
    )
