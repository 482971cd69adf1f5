"""Citizen journeys at the touchscreen: touches counted, every level, the "more time?"
prompt, elderly mode, voice prompts, English. Real waitress, real chromium."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Hall
from tests.browser.test_touchscreen import invite, ratings

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

LEVEL_NAMES_ZH = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


class TouchCounter:
    """Counts the citizen's touches, so the journeys prove their length."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tap(self, locator):
        locator.tap()
        self.count += 1


def open_rating_screen(page, live_server, api_headers, case_no, lang="zh_CN"):
    page.goto(f"{live_server}/touch/A01?lang={lang}")
    expect(page.locator("#screen-idle")).to_be_visible()
    invite(live_server, api_headers, case_no)
    expect(page.locator("#screen-rate")).to_be_visible(timeout=1500)


def test_a_good_rating_takes_one_touch(app, live_server, api_headers, kiosk_page):
    open_rating_screen(kiosk_page, live_server, api_headers, "2026-J-0001")
    touches = TouchCounter(kiosk_page)
    touches.tap(kiosk_page.get_by_role("button", name="非常满意", exact=True))
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    assert touches.count == 1
    assert [r.level for r in ratings(app)] == [1]


def test_a_bad_rating_with_one_reason_takes_three_touches(app, live_server, api_headers,
                                                          kiosk_page):
    open_rating_screen(kiosk_page, live_server, api_headers, "2026-J-0002")
    touches = TouchCounter(kiosk_page)
    touches.tap(kiosk_page.get_by_role("button", name="非常不满意", exact=True))
    touches.tap(kiosk_page.locator(".reason").first)
    touches.tap(kiosk_page.locator("#btn-submit"))
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    assert touches.count == 3
    stored = ratings(app)[0]
    assert stored.level == 5 and stored.reasons == ["R01"]
    expect(kiosk_page.locator("#query-code")).to_have_text(stored.query_code)


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_each_level_is_recorded_with_its_name_on_the_thanks_screen(app, live_server, api_headers,
                                                                   kiosk_page, level):
    open_rating_screen(kiosk_page, live_server, api_headers, f"2026-J-01{level}")
    kiosk_page.locator(f".level-{level}").tap()
    if level >= 4:  # 差评: reasons first
        kiosk_page.locator(".reason").nth(1).tap()
        kiosk_page.locator("#btn-submit").tap()
    expect(kiosk_page.locator("#thanks-level")).to_have_text(LEVEL_NAMES_ZH[level - 1])
    assert [r.level for r in ratings(app)] == [level]


def test_more_time_prompt_extends_then_times_out(app, live_server, api_headers, kiosk_page):
    app.config["KIOSK_IDLE_SECONDS"] = 3  # the prompt shows half-way on such short timeouts
    open_rating_screen(kiosk_page, live_server, api_headers, "2026-J-0003")
    prompt = kiosk_page.locator("#more-time")
    expect(prompt).to_be_visible(timeout=3000)
    expect(prompt).to_have_attribute("role", "alertdialog")
    expect(kiosk_page.locator("#more-time-title")).to_have_text("需要更多时间吗？")
    expect(kiosk_page.locator("#more-time-count")).to_contain_text("秒后返回首页")
    expect(kiosk_page.locator("#btn-more-time")).to_be_focused()
    box = kiosk_page.locator("#btn-more-time").bounding_box()
    assert box["height"] >= 100 and box["width"] >= 300  # a big 继续
    kiosk_page.locator("#btn-more-time").tap()
    expect(prompt).to_be_hidden()
    expect(kiosk_page.locator("#screen-rate")).to_be_visible()
    # No answer the second time: back to idle, nothing recorded.
    expect(prompt).to_be_visible(timeout=3000)
    expect(kiosk_page.locator("#screen-idle")).to_be_visible(timeout=3000)
    expect(prompt).to_be_hidden()
    assert ratings(app) == []


def test_elderly_mode_one_touch_bigger_simpler_slower(app, live_server, api_headers, kiosk_page):
    app.config["KIOSK_IDLE_SECONDS"] = 2
    kiosk_page.goto(f"{live_server}/touch/A01")
    toggle = kiosk_page.locator("#btn-elderly")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    normal_height = kiosk_page.locator(".level-1").evaluate("e => e.getBoundingClientRect().height")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    invite(live_server, api_headers, "2026-J-0004")
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    expect(kiosk_page.locator("#rate-title")).to_have_text("您觉得这次服务怎么样？请点一下")
    sizes = kiosk_page.evaluate("""() => [...document.querySelectorAll(
        '#screen-rate .sub, .level-name, .topbar, #btn-elderly')].map(
        e => parseFloat(getComputedStyle(e).fontSize))""")
    assert min(sizes) >= 24
    assert kiosk_page.locator(".level-1").bounding_box()["height"] > normal_height
    # Timeouts doubled: 2 s → 4 s, so the screen is still there after 2.5 s.
    kiosk_page.wait_for_timeout(2500)
    expect(kiosk_page.locator("#screen-rate")).to_be_visible()
    expect(kiosk_page.locator("#screen-idle")).to_be_visible(timeout=3000)
    # The next citizen starts in the normal mode.
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(kiosk_page.locator("#screen-idle .sub")).to_have_text("办理完成后，请对我们的服务作出评价")


def test_english_touchscreen_shows_english_levels_and_messages(app, live_server, api_headers,
                                                               kiosk_page):
    open_rating_screen(kiosk_page, live_server, api_headers, "2026-J-0005", lang="en")
    expect(kiosk_page.locator("html")).to_have_attribute("lang", "en")
    expect(kiosk_page.locator(".level-name")).to_have_text(
        ["Very satisfied", "Satisfied", "Fair", "Dissatisfied", "Very dissatisfied"])
    expect(kiosk_page.locator("#rate-title")).to_have_text("Please rate the service you received")
    expect(kiosk_page.locator("#btn-elderly")).to_contain_text("Large text")
    kiosk_page.get_by_role("button", name="Dissatisfied", exact=True).tap()
    expect(kiosk_page.locator("#reasons-title")).to_contain_text("Why were you dissatisfied")
    kiosk_page.locator(".reason").first.tap()
    kiosk_page.locator("#btn-submit").tap()
    expect(kiosk_page.locator("#screen-thanks h1")).to_have_text("Thank you for your feedback!")
    expect(kiosk_page.locator("#thanks-level")).to_have_text("Dissatisfied")


def test_voice_prompts_follow_the_journey_and_obey_the_hall_setting(app, live_server,
                                                                    api_headers, kiosk_page):
    open_rating_screen(kiosk_page, live_server, api_headers, "2026-J-0006")
    kiosk_page.locator(".level-2").tap()
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    spoken = kiosk_page.evaluate("window.kioskVoiceLog.map(e => [e.key, e.text])")
    assert spoken == [["invite", "请您对本次服务作出评价"], ["level-2", "满意"],
                      ["thanks", "感谢您的评价！"]]
    with app.app_context():
        db.session.scalars(sa.select(Hall)).one().voice_enabled = False
        db.session.commit()
    open_rating_screen(kiosk_page, live_server, api_headers, "2026-J-0007")
    expect(kiosk_page.locator("#citizen-aids")).to_have_attribute("data-voice", "off")
    kiosk_page.locator(".level-1").tap()
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    assert kiosk_page.evaluate("window.kioskVoiceLog.length") == 0
