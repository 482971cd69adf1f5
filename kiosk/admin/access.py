"""Who may do what in the admin, and the navigation each role sees.

admin: everything; manager: hall data; handler: no management pages; auditor: reads
lists and the audit log, and every request that could change something is refused.
"""
from dataclasses import dataclass, field

from flask import abort, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from kiosk.admin import bp
from kiosk.extensions import login_manager

MANAGE = ("admin", "manager")
VIEW = ("admin", "manager", "auditor")
AUDIT = ("admin", "auditor")
ADMIN_ONLY = ("admin",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The menu's groups, in order; each page below names its group. A group with one page is a
# plain link; a group with several links to its first page and lists them on a second row.
NAV_GROUPS = (
    ("desk", lazy_pgettext("menu", "工作台")),
    ("ratings", lazy_pgettext("menu", "评价")),
    ("cases", lazy_pgettext("menu", "差评")),
    ("stats", lazy_pgettext("menu", "统计")),
    ("settings", lazy_pgettext("menu", "设置")),
)
NAV = [
    ("admin.dashboard", _l("工作台"), ("admin", "manager", "handler", "auditor"), "desk"),
    ("admin.ratings", _l("实名评价"), VIEW, "ratings"),
    ("admin.evidence_list", _l("留言与照片"), VIEW, "ratings"),
    ("admin.sms", _l("短信邀请"), VIEW, "ratings"),
    ("admin.windows", _l("窗口"), VIEW, "settings"),
    ("admin.staff_list", _l("工作人员"), VIEW, "settings"),
    ("admin.departments", _l("部门"), VIEW, "settings"),
    ("admin.services", _l("事项"), VIEW, "settings"),
    ("admin.devices", _l("评价器"), VIEW, "settings"),
    ("admin.tokens", _l("API 令牌"), VIEW, "settings"),
    ("admin.settings", _l("大厅设置"), VIEW, "settings"),
    ("admin.users", _l("用户"), ADMIN_ONLY, "settings"),
    ("admin.audit_log", _l("审计日志"), AUDIT, "settings"),
]


@dataclass
class NavGroup:
    label: str
    items: list = field(default_factory=list)  # (href, label, current)
    current: bool = False

    @property
    def href(self) -> str:
        return self.items[0][0]


def _current_href(path: str, hrefs: list[str]) -> str | None:
    """The menu entry a path belongs to: the longest entry that is the path or a folder
    above it (/admin/windows/3 belongs to /admin/windows; /admin/ only to itself)."""
    def under(href: str) -> bool:
        return path == href or (not href.endswith("/") and path.startswith(href + "/"))

    found = [h for h in hrefs if under(h)]
    return max(found, key=len) if found else None


@bp.before_request
def require_login_and_refuse_auditor_writes():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role == "auditor" and request.method not in SAFE_METHODS:
        abort(403, _l("审计员为只读账号，不能修改任何数据。"))
    return None


@bp.app_context_processor
def admin_navigation():
    """The menu for the current user; other blueprints add theirs in ADMIN_NAV_EXTRA as
    (endpoint, label, roles, group)."""

    def entries():
        if not current_user.is_authenticated:
            return []
        extra = current_app.config.get("ADMIN_NAV_EXTRA", [])
        return [(url_for(endpoint), label, group)
                for endpoint, label, roles, group in [*NAV, *extra]
                if current_user.role in roles and endpoint in current_app.view_functions]

    def nav_groups():
        if "admin_nav_groups" not in g:  # the header and the second row ask for it
            g.admin_nav_groups = _nav_groups()
        return g.admin_nav_groups

    def _nav_groups():
        found = entries()
        here = _current_href(request.path, [href for href, _, _ in found])
        groups = {key: NavGroup(str(label)) for key, label in NAV_GROUPS}
        for href, label, group in found:
            groups.setdefault(group, NavGroup(str(group))).items.append(
                (href, label, href == here))
        shown = [group for group in groups.values() if group.items]
        for group in shown:
            group.current = any(current for _, _, current in group.items)
        return shown

    def nav_items():
        return [item for group in nav_groups() for item in group.items]

    def can_manage():
        return current_user.is_authenticated and current_user.role in MANAGE

    return {"admin_nav_groups": nav_groups, "admin_nav_items": nav_items,
            "can_manage": can_manage}
