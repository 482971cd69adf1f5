"""WCAG 2.2 AA on every public page: axe-core (no serious or critical violations) at kiosk
and phone sizes, plus what axe cannot see: 60 px touch targets, visible focus, focus order.

axe-core comes from npm into tests/browser/axe/ (`make axe`) and is injected by the test;
the app never serves it. The test contexts bypass CSP only so that it can be injected."""
import functools
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KIOSK_VIEWPORT, PHONE_VIEWPORT
from tests.browser.test_touchscreen import invite

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"kiosk": KIOSK_VIEWPORT, "phone": PHONE_VIEWPORT}
# Public pages of other features, checked when their blueprint is installed.
OPTIONAL_PAGES = {"mobile-hall": "/m/", "mobile-window": "/m/w/A01", "query": "/q"}


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make axe`")
    # Once per document: the steps of one screen share theirs, and parsing axe's 500 kB
    # costs as much as a run. Evaluated rather than added as a <script>, so the page
    # measured gains no element.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    # Only the violations are read: axe then skips gathering every node that passed,
    # which is most of its time and of what crosses to Python. The rules run the same.
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(params=list(SIZES))
def page(request, browser):
    size = request.param
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", has_touch=True,
                                  is_mobile=size == "phone", bypass_csp=True)
    yield context.new_page()
    context.close()


def has_route(app, path: str) -> bool:
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    return path in rules or path.replace("A01", "<code>") in rules


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_touchscreen_every_screen_passes_axe(app, live_server, api_headers, page, lang):
    # Long enough that axe (slow on a busy machine) never races the screen's own timeout;
    # the "more time?" prompt still shows 10 s before it.
    app.config["KIOSK_IDLE_SECONDS"] = 20
    page.clock.install()  # the page's own clock, to reach the prompt without waiting for it
    page.goto(f"{live_server}/touch/A01?lang={lang}")
    expect(page.locator("#screen-idle")).to_be_visible()
    found = {"idle": serious_violations(page)}
    invite(live_server, api_headers, f"2026-A-{lang}")
    expect(page.locator("#screen-rate")).to_be_visible(timeout=1500)
    found["rate"] = serious_violations(page)
    page.locator(".level-4").click()
    page.locator(".reason").first.click()
    found["reasons"] = serious_violations(page)
    page.clock.fast_forward("00:11")  # idle for 11 s: the prompt shows at 10 s left
    expect(page.locator("#more-time")).to_be_visible(timeout=5000)
    found["more-time"] = serious_violations(page)
    page.locator("#btn-more-time").click()
    page.locator("#btn-elderly").click()
    found["elderly"] = serious_violations(page)
    page.locator("#btn-submit").click()
    expect(page.locator("#screen-thanks")).to_be_visible()
    found["thanks"] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_display_passes_axe(live_server, page, lang):
    page.goto(f"{live_server}/display?lang={lang}")
    expect(page.locator("#window-rows tr")).to_have_count(8)
    assert serious_violations(page) == []


@pytest.mark.parametrize("name", list(OPTIONAL_PAGES))
def test_other_public_pages_pass_axe(app, live_server, page, name):
    path = OPTIONAL_PAGES[name]
    if not has_route(app, path):
        pytest.skip(f"{path} is not installed yet")
    page.goto(f"{live_server}{path}")
    assert serious_violations(page) == []


def visible_targets(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('button, a[href], input, textarea')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect();
                    return {id: e.id || e.className || e.textContent.trim(), w: r.width, h: r.height}; })""")


def test_touchscreen_targets_are_at_least_60px(live_server, api_headers, kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    expect(kiosk_page.locator("#screen-idle")).to_be_visible()
    targets = visible_targets(kiosk_page)
    invite(live_server, api_headers, "2026-A-T1")
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    targets += visible_targets(kiosk_page)
    kiosk_page.locator(".level-5").tap()
    targets += visible_targets(kiosk_page)
    small = [t for t in targets if t["w"] < 60 or t["h"] < 60]
    assert small == []


def test_focus_is_visible_and_follows_the_screens(live_server, api_headers, kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    invite(live_server, api_headers, "2026-A-F1")
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    expect(kiosk_page.locator("#rate-title")).to_be_focused()  # focus moved to the new screen
    kiosk_page.keyboard.press("Tab")
    outline = kiosk_page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); "
        "return [document.activeElement.dataset.level, s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert outline[0] == "1" and outline[1] != "none" and outline[2] >= 3
    kiosk_page.keyboard.press("Tab")
    assert kiosk_page.evaluate("document.activeElement.dataset.level") == "2"
    kiosk_page.keyboard.press("Shift+Tab")
    kiosk_page.keyboard.press("Enter")  # keyboard alone can rate
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    expect(kiosk_page.locator("#screen-thanks h1")).to_be_focused()


def test_levels_do_not_rely_on_colour(live_server, kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    # Every level button carries its name in words and a face of its own shape.
    names = kiosk_page.locator(".level-name").all_inner_texts()
    assert len(set(names)) == 5 and all(names)
    shapes = kiosk_page.locator(".level svg").evaluate_all("svgs => svgs.map(s => s.innerHTML)")
    assert len(set(shapes)) == 5
