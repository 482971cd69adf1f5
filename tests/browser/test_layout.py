"""Every step of the window terminal at every terminal size, in both languages and both
modes, fits the screen: no control outside the viewport, no two controls overlapping, no
clipped text, no scrolling; axe finds nothing serious. The public pages at the same sizes
never scroll sideways, overlap or clip. One browser page is reused for the whole run."""
import itertools

import pytest
from playwright.sync_api import expect

from tests.browser.layout import TERMINAL_SIZES, TERMINAL_STEPS, layout_problems, walk_terminal
from tests.browser.test_a11y import serious_violations
from tests.browser.test_touchscreen import invite

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

# axe looks at the markup, which the size barely changes: it runs on every step at one
# portrait and one landscape size, in both languages (keeps the run well under 2 minutes).
AXE_SIZES = ("1080x1920", "1280x800")
PUBLIC_PAGES = {"display": "/display", "mobile-hall": "/m/", "mobile-window": "/m/w/A01",
                "query": "/q", "login": "/login"}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=TERMINAL_SIZES["1080x1920"], locale="zh-CN",
                                  has_touch=True, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_terminal_fits_every_size_language_and_mode(app, live_server, api_headers, page):
    app.config["KIOSK_IDLE_SECONDS"] = 120  # no timeout while the steps are measured
    cases = itertools.count(1)
    found: dict[str, list[str]] = {}
    seen = []
    for size, viewport in TERMINAL_SIZES.items():
        page.set_viewport_size(viewport)
        for lang, elderly in itertools.product(("zh_CN", "en"), (False, True)):
            where = f"{size} {lang} {'elderly' if elderly else 'normal'}"

            with_axe = size in AXE_SIZES and (lang, elderly) in {("zh_CN", False), ("en", True)}

            def check(step, where=where, with_axe=with_axe):
                seen.append(step)
                problems = layout_problems(page, whole_screen=True)
                if with_axe:
                    problems += serious_violations(page)
                if problems:
                    found[f"{where} {step}"] = problems

            walk_terminal(page, live_server, lang, elderly,
                          lambda: invite(live_server, api_headers, f"2026-L-{next(cases):03d}"),
                          check)
            expect(page.locator("#screen-idle")).to_be_visible()
    assert found == {}
    assert len(seen) == len(TERMINAL_SIZES) * 4 * len(TERMINAL_STEPS)


def test_public_pages_at_terminal_sizes(live_server, page):
    found: dict[str, list[str]] = {}
    for size, viewport in TERMINAL_SIZES.items():
        page.set_viewport_size(viewport)
        for (name, path), lang in itertools.product(PUBLIC_PAGES.items(), ("zh_CN", "en")):
            response = page.goto(f"{live_server}{path}?lang={lang}")
            assert response.ok, f"{path}: {response.status}"
            problems = layout_problems(page, whole_screen=False)
            if problems:
                found[f"{size} {name} {lang}"] = problems
    assert found == {}


def test_citizen_state_is_forgotten_after_thanks(app, live_server, api_headers, page):
    """Language, elderly mode, chosen reasons and typed digits do not pass to the next citizen."""
    page.goto(f"{live_server}/touch/A01?lang=en")
    page.locator("#btn-elderly").click()
    invite(live_server, api_headers, "2026-L-R01")
    expect(page.locator("#screen-rate")).to_be_visible(timeout=3000)
    page.locator(".level-4").click()
    page.locator(".reason").first.click()
    page.locator("#btn-phone").click()
    for key in "139":
        page.locator(f'.key[data-key="{key}"]').click()
    page.locator("#btn-phone-cancel").click()
    page.locator("#btn-submit").click()
    expect(page.locator("#screen-thanks")).to_be_visible()
    expect(page.locator("#thanks-countdown")).to_contain_text("60")
    page.locator("#screen-thanks h1").click()  # a touch anywhere ends the thank-you
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#btn-elderly")).to_have_attribute("aria-pressed", "false")
    invite(live_server, api_headers, "2026-L-R02")
    expect(page.locator("#screen-rate")).to_be_visible(timeout=3000)
    page.locator(".level-4").click()
    expect(page.locator('.reason[aria-pressed="true"]')).to_have_count(0)
    expect(page.locator("#phone-value")).to_have_text("默认匿名")
    page.locator("#btn-phone").click()
    expect(page.locator("#phone")).to_have_text("")
