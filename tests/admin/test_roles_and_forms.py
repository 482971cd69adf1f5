"""Roles, audit rows with before → after, and bad input on every form."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import ApiToken, AuditLog, Department, Hall, ServiceItem, Staff, User, Window

pytestmark = pytest.mark.timeout(60)

MANAGEMENT_PAGES = ["/admin/windows", "/admin/staff", "/admin/services", "/admin/devices",
                    "/admin/tokens", "/admin/settings", "/admin/ratings", "/admin/windows/new"]
VALID_WINDOW = {"code": "E09", "name": "测试窗口", "scale": "5", "staff_id": "0"}


def audit_rows(app, entity):
    with app.app_context():
        return db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == entity)
                                  .order_by(AuditLog.id)).all()


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_anonymous_is_sent_to_login(client):
    r = client.get("/admin/windows")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_handler_cannot_open_management_pages(as_role):
    handler = as_role("handler")
    assert handler.get("/admin/").status_code == 200
    for page in [*MANAGEMENT_PAGES, "/admin/users", "/admin/audit"]:
        assert handler.get(page).status_code == 403, page
    assert handler.post("/admin/windows/new", VALID_WINDOW).status_code == 403


def test_manager_cannot_manage_users_or_read_the_audit_log(as_role):
    manager = as_role("manager")
    assert manager.get("/admin/users").status_code == 403
    assert manager.get("/admin/audit").status_code == 403
    for page in MANAGEMENT_PAGES:
        assert manager.get(page).status_code == 200, page


def test_auditor_reads_but_every_post_is_refused(app, as_role):
    auditor = as_role("auditor")
    for page in [*MANAGEMENT_PAGES[:-1], "/admin/audit"]:
        assert auditor.get(page).status_code == 200, page
    assert auditor.get("/admin/windows/new").status_code == 403
    before = {m: count(app, m) for m in (Window, Staff, ServiceItem, ApiToken, User, AuditLog)}
    posts = {
        "/admin/windows/new": VALID_WINDOW,
        "/admin/windows/1": VALID_WINDOW,
        "/admin/windows/1/pause": {"reason": "午休"},
        "/admin/windows/1/sign-out": {},
        "/admin/staff/new": {"staff_no": "X1", "name": "某", "pin": "482915", "window_id": "0"},
        "/admin/services/new": {"code": "999", "name": "某事项"},
        "/admin/tokens": {"name": "erp"},
        "/admin/tokens/1/revoke": {},
        "/admin/settings": {"name": "x", "region_code": "530102", "dept_code": "11530102MB00000014"},
        "/admin/users/new": {"username": "eve", "role": "admin", "password": "pass-word-99",
                             "confirm": "pass-word-99"},
        "/admin/users/1/active": {},
    }
    for path, data in posts.items():
        assert auditor.post(path, data).status_code == 403, path
    assert before == {m: count(app, m) for m in before}


def test_window_create_and_edit_are_audited_before_after(app, as_role):
    manager = as_role("manager")
    with app.app_context():
        service_id = db.session.scalars(sa.select(ServiceItem.id).order_by(ServiceItem.code)).first()
    r = manager.post("/admin/windows/new", {**VALID_WINDOW, "services": str(service_id)},
                     token_from="/admin/windows/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        window_id = db.session.scalars(sa.select(Window.id).where(Window.code == "E09")).one()
    r = manager.post(f"/admin/windows/{window_id}", {**VALID_WINDOW, "name": "改名窗口", "scale": "3"},
                     token_from="/admin/windows/new")
    assert r.status_code == 302
    rows = audit_rows(app, "window")
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[0].before is None and rows[0].after["services"] == ["530102001000"]
    assert rows[1].actor == "manager1"
    assert (rows[1].before["name"], rows[1].after["name"]) == ("测试窗口", "改名窗口")
    assert (rows[1].before["scale"], rows[1].after["scale"]) == (5, 3)
    assert "count_uninvited" not in rows[1].after  # uninvited ratings count everywhere


@pytest.mark.parametrize("data,field_error", [
    ({"code": "", "name": "x", "scale": "5"}, "此项必填"),
    ({"code": "a 03!", "name": "x", "scale": "5"}, "窗口编号只能包含"),
    ({"code": "A01", "name": "x", "scale": "5"}, "已存在"),
    ({"code": "E10", "name": "x" * 101, "scale": "5"}, "最长 100"),
    ({"code": "E10", "name": "x", "scale": "4"}, "Not a valid choice"),
])
def test_window_form_bad_input(app, as_role, data, field_error):
    manager = as_role("manager")
    before = count(app, Window)
    r = manager.post("/admin/windows/new", {"staff_id": "0", **data})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert field_error in html or "评价档位" in html
    assert 'aria-invalid="true"' in html or 'class="error"' in html
    if data["name"] == "x":
        assert 'value="x"' in html  # what was typed is kept
    assert count(app, Window) == before and audit_rows(app, "window") == []


@pytest.mark.parametrize("path,data,message", [
    ("/admin/staff/new", {"staff_no": "Y9", "name": "某", "pin": "12a4", "window_id": "0"}, "PIN 须为"),
    ("/admin/staff/new", {"staff_no": "Y9", "name": "某", "pin": "1111", "window_id": "0"}, "过于简单"),
    ("/admin/staff/new", {"staff_no": "Y9", "name": "某", "pin": "", "window_id": "0"}, "须设置 PIN"),
    ("/admin/staff/new", {"staff_no": "YN0101", "name": "某", "pin": "482915", "window_id": "0"}, "已存在"),
    ("/admin/services/new", {"code": "53_01", "name": "某"}, "事项编码只能包含"),
    ("/admin/services/new", {"code": "530102001000", "name": "某"}, "已存在"),
    ("/admin/tokens", {"name": "有 空格"}, "只能包含"),
    ("/admin/settings", {"name": "厅", "region_code": "5301", "dept_code": "11530102MB00000014"}, "6–12 位"),
    ("/admin/settings", {"name": "厅", "region_code": "530102", "dept_code": "11530102MB123456"}, "18 位"),
    ("/admin/settings", {"name": "厅", "region_code": "530102", "dept_code": "11530102MB1234567X"}, "校验位"),
    ("/admin/departments/new", {"name": "某局", "credit_code": "11530102MB1234567X"}, "校验位"),
    ("/admin/departments/new", {"name": "重复", "credit_code": "11530102MB00000014"}, "已存在"),
    ("/admin/settings", {"name": "厅", "region_code": "530102", "dept_code": "11530102MB00000014",
                         "public_base_url": "ftp://x"}, "http://"),
])
def test_other_forms_bad_input(app, as_role, path, data, message):
    manager = as_role("manager")
    before = {m: count(app, m) for m in (Staff, ServiceItem, ApiToken, AuditLog, Department)}
    with app.app_context():
        hall_before = db.session.scalars(sa.select(Hall)).one().region_code
    r = manager.post(path, data)
    assert r.status_code == 422, r.status_code
    html = r.get_data(as_text=True)
    assert message in html
    assert before == {m: count(app, m) for m in before}
    with app.app_context():
        assert db.session.scalars(sa.select(Hall)).one().region_code == hall_before


def test_settings_saved_and_audited(app, as_role):
    manager = as_role("manager")
    r = manager.post("/admin/settings", {"name": "新大厅", "region_code": "530102001",
                                         "dept_code": "11530102MB00000014", "voice_enabled": "y",
                                         "public_base_url": "https://hall.example.cn"})
    assert r.status_code == 302
    with app.app_context():
        hall = db.session.scalars(sa.select(Hall)).one()
        assert (hall.name, hall.allow_uninvited, hall.voice_enabled) == ("新大厅", False, True)
    row = audit_rows(app, "hall")[-1]
    assert row.before["allow_uninvited"] is True and row.after["allow_uninvited"] is False
    assert row.after["region_code"] == "530102001"


def test_token_shown_once_then_revoked(app, as_role):
    manager = as_role("manager")
    r = manager.post("/admin/tokens", {"name": "erp-system"})
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    secret = html.split('id="token-secret" class="secret">')[1].split("<")[0]
    assert len(secret) > 40
    assert secret not in manager.get("/admin/tokens").get_data(as_text=True)
    with app.app_context():
        token_id = db.session.scalars(sa.select(ApiToken.id).where(ApiToken.name == "erp-system")).one()
    assert manager.post(f"/admin/tokens/{token_id}/revoke").status_code == 302
    assert [r.action for r in audit_rows(app, "api_token")] == ["create", "revoke"]
    assert audit_rows(app, "api_token")[1].after == {"name": "erp-system", "revoked": True}


def test_admin_creates_deactivates_and_resets_users(app, as_role):
    admin = as_role("admin")
    bad = admin.post("/admin/users/new", {"username": "clerk9", "role": "manager",
                                          "password": "short", "confirm": "short"})
    assert bad.status_code == 422 and "至少 10 位" in bad.get_data(as_text=True)
    mismatch = admin.post("/admin/users/new", {"username": "clerk9", "role": "manager",
                                               "password": "pass-word-99", "confirm": "pass-word-98"})
    assert mismatch.status_code == 422 and "不一致" in mismatch.get_data(as_text=True)
    assert count(app, User) == 4
    ok = admin.post("/admin/users/new", {"username": "clerk9", "role": "manager", "display_name": "九",
                                         "password": "pass-word-99", "confirm": "pass-word-99"})
    assert ok.status_code == 302
    with app.app_context():
        uid = db.session.scalars(sa.select(User.id).where(User.username == "clerk9")).one()
    assert admin.post(f"/admin/users/{uid}/active").status_code == 302
    r = admin.post(f"/admin/users/{uid}/password", {"password": "new-pass-77", "confirm": "new-pass-77"},
                   token_from=f"/admin/users/{uid}/password")
    assert r.status_code == 302
    rows = [r for r in audit_rows(app, "user") if r.action != "login"]
    assert [r.action for r in rows] == ["create", "update", "reset_password"]
    assert rows[1].before["active"] is True and rows[1].after["active"] is False
    assert rows[2].after["password"] == "reset" and "hash" not in str(rows[2].after)
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "clerk9" in page and "active" in page


def test_manager_assigns_pauses_and_resumes_a_window(app, as_role, client):
    manager = as_role("manager")
    with app.app_context():
        window_id = db.session.scalars(sa.select(Window.id).where(Window.code == "A03")).one()
    assert manager.post(f"/admin/windows/{window_id}/pause", {"reason": "培训"},
                        token_from="/admin/windows").status_code == 302
    assert client.get("/touch/A03/state").get_json()["paused"] is True
    assert manager.post(f"/admin/windows/{window_id}/resume", token_from="/admin/windows").status_code == 302
    assert client.get("/touch/A03/state").get_json()["paused"] is False


def test_forms_are_editable_for_managers_and_read_only_for_auditors(as_role):
    assert "disabled" not in as_role("manager").get("/admin/windows/new").get_data(as_text=True)
    settings = as_role("auditor").get("/admin/settings").get_data(as_text=True)
    assert "readonly" in settings and "保存" not in settings


def test_dashboard_numbers(app, as_role):
    html = as_role("manager").get("/admin/").get_data(as_text=True)
    assert 'id="ratings-today">0<' in html and 'id="windows-paused">0<' in html
