from flask import Blueprint

bp = Blueprint("kiosk_ui", __name__, url_prefix="/w")

from kiosk.kiosk_ui import clerk, routes  # noqa: E402,F401  (clerk: sign-in/pause panel)
