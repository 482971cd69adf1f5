"""The public display: the hall's wall screen of today's ratings (aggregates only)."""
from flask import Blueprint

bp = Blueprint("display", __name__, url_prefix="/display")

from kiosk.display import routes  # noqa: E402,F401
