"""The hub's own menu, and no hall pages at the hub.

At a hub the hall's pages (touchscreens, QR pages, the hall admin, cases, statistics, the
wall display, the business API) would read empty hall tables: they answer 404 there, checked
on the server whatever a link says. The hub keeps its users and audit log from the admin.
"""
from flask import abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.admin.access import NavGroup  # the same menu shape as the hall admin's
from kiosk.hub import bp

VIEW = ("admin", "manager", "auditor")
NAV = [
    # (endpoint, label, roles, endpoints shown as under it)
    ("hub.dashboard", _l("总览"), VIEW, ("hub.hall",)),
    ("hub.integrity", _l("记录完整性"), VIEW, ()),
    ("hub.appeals", _l("申诉复核"), VIEW, ()),
    ("admin.users", _l("用户"), ("admin",), ("admin.user_new", "admin.user_password")),
    ("admin.audit_log", _l("审计日志"), ("admin", "auditor"), ()),
]
HALL_ONLY_BLUEPRINTS = {"admin", "api", "cases", "display", "mobile", "stats", "touch",
                        "touch_legacy"}
HUB_ALSO = {"touch_legacy.favicon", "admin.users", "admin.user_new", "admin.user_password",
            "admin.user_toggle_active", "admin.audit_log"}


def is_hall_only(endpoint: str | None) -> bool:
    if endpoint is None or endpoint in HUB_ALSO:
        return False
    return endpoint.split(".", 1)[0] in HALL_ONLY_BLUEPRINTS


@bp.before_app_request
def refuse_hall_pages():
    if is_hall_only(request.endpoint):
        abort(404)


def _groups() -> list[NavGroup]:
    if not current_user.is_authenticated:
        return []
    groups = []
    for endpoint, label, roles, under in NAV:
        if current_user.role in roles and endpoint in current_app.view_functions:
            current = request.endpoint == endpoint or request.endpoint in under
            groups.append(NavGroup(str(label), [(url_for(endpoint), label, current)], current))
    return groups


@bp.app_context_processor
def hub_navigation():
    """Registered after the admin's: at a hub these names give every page the hub's menu."""
    return {"admin_nav_groups": _groups,
            "admin_nav_items": lambda: [g.items[0] for g in _groups()]}
