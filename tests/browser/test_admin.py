"""A hall manager logs in, adds a window and a staff member, in a real browser."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from kiosk.auth.passwords import hash_password
from kiosk.extensions import db
from kiosk.models import Staff, User, Window

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]
PASSWORD = "correct-horse-9"


@pytest.fixture
def manager(app):
    with app.app_context():
        db.session.add(User(username="boss", display_name="王经理", role="manager",
                            password_hash=hash_password(PASSWORD)))
        db.session.commit()
    return "boss"


def test_manager_adds_a_window_and_a_staff_member(app, live_server, manager, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(manager)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    page.get_by_role("link", name="设置", exact=True).click()  # the group opens at its first page
    expect(page.get_by_role("navigation", name="设置")).to_be_visible()
    page.get_by_role("link", name="窗口", exact=True).click()
    page.get_by_role("link", name="添加窗口").click()
    page.get_by_label("窗口编号").fill("F01")
    page.get_by_label("窗口名称").fill("")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#name-error")).to_contain_text("此项必填")  # message next to the field
    expect(page.get_by_label("窗口编号")).to_have_value("F01")  # what was typed stays
    page.get_by_label("窗口名称").fill("税务窗口")
    page.get_by_label("三级（满意、基本满意、不满意）").check()
    page.get_by_label("530102005000 不动产登记").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#window-F01")).to_contain_text("税务窗口")

    page.get_by_role("link", name="工作人员", exact=True).click()
    page.get_by_role("link", name="添加工作人员").click()
    page.get_by_label("工号").fill("yn0201")
    page.get_by_label("姓名").fill("孙丽")
    page.get_by_label("触摸屏签到 PIN").fill("482915")
    page.get_by_label("签到窗口").select_option(label="F01 税务窗口")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#staff-YN0201")).to_contain_text("F01")
    context.close()

    with app.app_context():
        window = db.session.scalars(sa.select(Window).where(Window.code == "F01")).one()
        assert (window.scale, [s.code for s in window.services]) == (3, ["530102005000"])
        assert window.staff.staff_no == "YN0201"
        assert db.session.scalars(sa.select(Staff).where(Staff.staff_no == "YN0201")).one().pin_hash
