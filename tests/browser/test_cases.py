"""Done when: a manager sees a 差评 arrive, assigns it; the handler (another browser)
rectifies and replies; the manager records the revisit and the case closes with its history."""
import pytest
from playwright.sync_api import expect

from kiosk.ratings.service import record_rating
from tests.cases.helpers import PASSWORD, add_users

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def step(page, title, note=None, choice=None):
    form = page.get_by_role("form", name=title)
    if choice:
        form.locator(f"input[value={choice}]").check()
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    form.get_by_role("button", name=title).click()
    expect(page.locator(".flash")).to_contain_text("已保存")


def test_manager_and_handler_take_a_bad_rating_to_closed(app, live_server, browser):
    add_users(app)
    manager_ctx, manager = log_in(browser, live_server, "mgr")
    manager.goto(f"{live_server}/admin/cases")
    expect(manager.get_by_role("table")).to_contain_text("没有符合条件的工单")

    with app.app_context():  # a citizen gives a real-name 差评 at window A01
        record_rating(window_code="A01", level=5, channel="touch", reasons=["R02"],
                      comment="等了很久", phone="13812345678")
    manager.reload()
    row = manager.get_by_role("row").filter(has_text="A01")
    expect(row).to_contain_text("非常不满意")
    expect(row).to_contain_text("138****5678")
    row.get_by_role("link").click()
    expect(manager.locator("#case-status")).to_have_text("登记")
    form = manager.get_by_role("form", name="指定承办人")
    form.locator("select[name=assignee_id]").select_option(label="h1 (h1)")
    step(manager, "指定承办人", "请核实并整改")
    case_url = manager.url

    handler_ctx, handler = log_in(browser, live_server, "h1")
    handler.goto(f"{live_server}/admin/cases")
    handler.get_by_role("row").filter(has_text="A01").get_by_role("link").click()
    step(handler, "核实", "调取监控，属实", choice="founded")
    step(handler, "登记整改", "午间增开一个综合窗口")
    step(handler, "反馈群众", "已午间增开窗口，感谢您的监督。")
    expect(handler.locator("#case-status")).to_have_text("反馈")
    handler_ctx.close()

    manager.goto(case_url)
    expect(manager.locator("#case-reply")).to_have_text("已午间增开窗口，感谢您的监督。")
    expect(manager.get_by_role("form", name="办结")).to_have_count(0)  # real-name: revisit first
    step(manager, "登记回访", "电话回访，群众表示满意", choice="satisfied")
    step(manager, "办结", "")
    expect(manager.locator("#case-status")).to_have_text("办结")
    history = manager.locator("#history tbody tr")
    expect(history).to_have_count(7)
    for text in ("登记", "转办", "核实", "整改", "反馈", "回访", "办结"):
        expect(manager.locator("#history")).to_contain_text(text)
    expect(manager.locator("#history")).to_contain_text("h1")
    manager_ctx.close()
