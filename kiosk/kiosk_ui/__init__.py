from flask import Blueprint

bp = Blueprint("kiosk_ui", __name__, url_prefix="/w")

from kiosk.kiosk_ui import routes  # noqa: E402,F401
