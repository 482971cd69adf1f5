"""The manager's pages (workbench, statistics, rankings, case list, case page) at a desktop,
two laptops and a phone, in both languages: they may scroll down but never sideways, no two
controls overlap, no text is clipped, the menu stays on one line from 1280 px, a ranking
shows more than three rows on a 1366×768 laptop, and axe finds nothing serious."""
import itertools

import pytest

from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.timeutil import to_local
from tests.browser.layout import (
    ADMIN_SIZES,
    add_admin_demo,
    admin_pages,
    layout_problems,
    log_in,
)
from tests.browser.test_a11y import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PASSWORD = "Layout-test-pass-16"
AXE_SIZES = ("1366x768", "390x844")  # axe reads the markup, which the size barely changes


def menu_rows(page) -> int:
    """How many lines the top bar's entries (groups, user, log-out) take."""
    return page.evaluate("""() => new Set([...document.querySelectorAll(
        '.admin-top nav a, .admin-top .logout button, .admin-top .brand')]
        .map(e => { const r = e.getBoundingClientRect(); return Math.round((r.top + r.bottom) / 40); })).size""")


def test_manager_pages_at_every_size_and_language(app, live_server, browser):
    with app.app_context():
        case_id = add_admin_demo(password=PASSWORD, weeks=2, per_window_day=(3, 5))
        db.session.remove()
    pages = admin_pages(case_id, to_local(utcnow()).date())
    context = browser.new_context(viewport=ADMIN_SIZES["1366x768"], locale="zh-CN",
                                  bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server, "manager", PASSWORD)
    found: dict[str, list[str]] = {}
    for size, viewport in ADMIN_SIZES.items():
        page.set_viewport_size(viewport)
        for (name, path), lang in itertools.product(pages.items(), ("zh_CN", "en")):
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{live_server}{path}{sep}lang={lang}")
            assert response.ok, f"{path}: {response.status}"
            where = f"{size} {name} {lang}"
            problems = layout_problems(page, whole_screen=False)
            if size != "390x844" and menu_rows(page) != 1:
                problems.append(f"menu on {menu_rows(page)} lines")
            if size in AXE_SIZES and (size, lang) in {("1366x768", "zh_CN"), ("390x844", "en")}:
                problems += serious_violations(page)
            if name == "rankings" and size == "1366x768":
                visible = page.evaluate("""() => [...document.querySelectorAll('#ranking tbody tr')]
                    .filter(r => r.getBoundingClientRect().bottom <= innerHeight).length""")
                if visible <= 3:
                    problems.append(f"only {visible} ranking rows visible without scrolling")
            if problems:
                found[where] = problems
    context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
