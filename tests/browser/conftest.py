"""Playwright driving Debian's chromium (Playwright's own browser download does not work here)."""
import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("KIOSK_TEST_CHROMIUM", "/usr/bin/chromium")
KIOSK_VIEWPORT = {"width": 1080, "height": 1920}
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def kiosk_page(browser):
    context = browser.new_context(viewport=KIOSK_VIEWPORT, locale="zh-CN", has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN", has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    yield page
    context.close()
