"""QR codes and the mobile rating pages (/m/…), the query code page (/q)."""
from flask import Blueprint

bp = Blueprint("mobile", __name__)

from kiosk.mobile import later, posters, routes  # noqa: E402,F401
