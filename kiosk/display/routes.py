"""/display: the wall screen page, and the JSON it polls every few seconds."""
from datetime import datetime

from flask import current_app, jsonify, render_template

from kiosk.display import bp
from kiosk.display.cases import open_cases_summary
from kiosk.display.disclosure import DAYS, closed_cases
from kiosk.display.stats import hall_tally, today_by_window, week_trend
from kiosk.i18n import select_locale
from kiosk.lookups import current_hall
from kiosk.models.base import utcnow
from kiosk.stats.indicators import BY_KEY
from kiosk.timeutil import HALL_TZ

POLL_SECONDS = 5  # DISPLAY_POLL_SECONDS in the config overrides it (tests use 1)


def _hall_name() -> str:
    hall = current_hall()
    return hall.display_name(select_locale()) if hall else ""


@bp.get("")
def board():
    return render_template("display/board.html", hall_name=_hall_name(),
                           definitions=[BY_KEY["satisfaction"].definition],
                           poll_seconds=current_app.config.get("DISPLAY_POLL_SECONDS", POLL_SECONDS))


@bp.get("/data.json")
def data():
    """Aggregates only: no names of people, no phone numbers, no comment text."""
    now = datetime.now(HALL_TZ)
    today = now.date()
    response = jsonify(
        {
            "date": today.isoformat(),
            "updated": now.strftime("%H:%M:%S"),
            "hall": hall_tally(today).as_json(),
            "windows": today_by_window(today, select_locale()),
            "week": week_trend(today),
            "cases": open_cases_summary(utcnow()),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/public")
def disclosure():
    """公开: the handling of closed 差评 of the last 90 days, without anything about raters."""
    cases = closed_cases(utcnow())
    return render_template("display/public.html", hall_name=_hall_name(), cases=cases,
                           days=DAYS)
