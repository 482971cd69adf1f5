"""The hall manager's admin at /admin: dashboard, hall data, users, audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from kiosk.admin import (  # noqa: E402,F401
    access,
    audit_log,
    dashboard,
    departments,
    devices,
    evidence,
    filters,
    ratings,
    services,
    settings,
    sms,
    staff,
    tokens,
    users,
    windows,
)
