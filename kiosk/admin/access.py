"""Who may do what in the admin, and the navigation each role sees.

admin: everything; manager: hall data; handler: no management pages; auditor: reads
lists and the audit log, and every request that could change something is refused.
"""
from flask import abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.admin import bp
from kiosk.extensions import login_manager

MANAGE = ("admin", "manager")
VIEW = ("admin", "manager", "auditor")
AUDIT = ("admin", "auditor")
ADMIN_ONLY = ("admin",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

NAV = [
    ("admin.dashboard", _l("概览"), ("admin", "manager", "handler", "auditor")),
    ("admin.windows", _l("窗口"), VIEW),
    ("admin.staff_list", _l("工作人员"), VIEW),
    ("admin.departments", _l("部门"), VIEW),
    ("admin.services", _l("事项"), VIEW),
    ("admin.devices", _l("评价器"), VIEW),
    ("admin.ratings", _l("实名评价"), VIEW),
    ("admin.evidence_list", _l("留言与照片"), VIEW),
    ("admin.sms", _l("短信邀请"), VIEW),
    ("admin.tokens", _l("API 令牌"), VIEW),
    ("admin.settings", _l("大厅设置"), VIEW),
    ("admin.users", _l("用户"), ADMIN_ONLY),
    ("admin.audit_log", _l("审计日志"), AUDIT),
]


@bp.before_request
def require_login_and_refuse_auditor_writes():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role == "auditor" and request.method not in SAFE_METHODS:
        abort(403, _l("审计员为只读账号，不能修改任何数据。"))
    return None


@bp.app_context_processor
def admin_navigation():
    """Nav links for the current user; other blueprints add theirs in ADMIN_NAV_EXTRA."""

    def nav_items():
        if not current_user.is_authenticated:
            return []
        extra = current_app.config.get("ADMIN_NAV_EXTRA", [])
        items = []
        for endpoint, label, roles in [*NAV, *extra]:
            if current_user.role in roles and endpoint in current_app.view_functions:
                items.append((url_for(endpoint), label, request.endpoint == endpoint))
        return items

    def can_manage():
        return current_user.is_authenticated and current_user.role in MANAGE

    return {"admin_nav_items": nav_items, "can_manage": can_manage}
