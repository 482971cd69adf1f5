"""The wall screen updates by itself when a rating arrives; legible; no personal data."""
import pytest
from playwright.sync_api import expect

from kiosk.ratings.service import record_rating

pytestmark = [pytest.mark.browser, pytest.mark.timeout(30)]

WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def wall_page(browser):
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_display_updates_when_a_rating_arrives(app, live_server, wall_page):
    app.config["DISPLAY_POLL_SECONDS"] = 1
    wall_page.goto(f"{live_server}/display")
    expect(wall_page.locator("#window-rows tr")).to_have_count(8)
    expect(wall_page.locator("#kpi-total")).to_have_text("0")
    expect(wall_page.locator("#kpi-rate")).to_have_text("暂无")
    with app.app_context():
        record_rating(window_code="A01", level=1, channel="evaluator")
        record_rating(window_code="A01", level=4, channel="touch", reasons=["R01"],
                      comment="不要上墙的留言", phone="13812345678")
    expect(wall_page.locator("#kpi-total")).to_have_text("2", timeout=3000)
    expect(wall_page.locator("#kpi-rate")).to_have_text("50.00%")
    expect(wall_page.locator("#kpi-bad")).to_have_text("1")
    a01 = wall_page.locator("#window-rows tr").first
    expect(a01).to_contain_text("A01")
    expect(a01.locator(".value")).to_have_text("50.00%")
    expect(wall_page.locator("#trend-days li").last).to_contain_text("50.00%")
    body = wall_page.locator("body").inner_text()
    assert "不要上墙的留言" not in body and "1381" not in body and "张三" not in body
    # Legible from 5 metres: the headline numbers are huge, the table text large.
    kpi = wall_page.locator("#kpi-total").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    row = a01.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert kpi >= 72 and row >= 30  # ~20 mm letters on a 55" 1080p screen
    expect(wall_page.locator(".definition")).to_contain_text("满意率")


@pytest.mark.parametrize("viewport", [WALL, {"width": 1080, "height": 1920}])
def test_display_fits_landscape_and_portrait(live_server, browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/display")
    expect(page.locator("#window-rows tr")).to_have_count(8)
    # Everything on one screen, no sideways scrolling.
    scroll = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert scroll[0] <= viewport["width"] and scroll[1] <= viewport["height"]
    context.close()


def test_display_language_switch(live_server, wall_page):
    wall_page.goto(f"{live_server}/display")
    wall_page.get_by_role("link", name="English").click()
    expect(wall_page.locator("h1")).to_have_text("Service ratings, live")
    expect(wall_page.locator("html")).to_have_attribute("lang", "en")
