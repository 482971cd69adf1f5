"""A citizen rates at the window touchscreen, in a real browser against a real waitress."""
import re

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Rating

pytestmark = pytest.mark.browser


def invite(live_server, api_headers, case_no, window="A01"):
    r = httpx.post(f"{live_server}/api/v1/invitations", headers=api_headers,
                   json={"window": window, "case_no": case_no, "service_code": "530102001000"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def ratings(app):
    with app.app_context():
        return db.session.scalars(sa.select(Rating).order_by(Rating.created_at)).all()


def test_idle_screen_shows_window_and_clerk(live_server, kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    expect(kiosk_page.locator("#screen-idle")).to_be_visible()
    expect(kiosk_page.locator(".topbar")).to_contain_text("A01")
    expect(kiosk_page.locator("#staff-name")).to_have_text("张三")
    expect(kiosk_page.locator("#staff-no")).to_contain_text("YN0101")


def test_invitation_switches_screen_and_one_touch_rates(app, live_server, api_headers, kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    expect(kiosk_page.locator("#screen-idle")).to_be_visible()
    invite(live_server, api_headers, "2026-XX-0001")
    # The screen polls twice a second: the rating screen must appear within a second.
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    expect(kiosk_page.locator("#rate-case")).to_contain_text("2026-XX-0001")
    buttons = kiosk_page.locator(".level")
    expect(buttons).to_have_count(5)
    for i in range(5):  # large touch targets, each with words
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 60 and box["width"] >= 60
        assert buttons.nth(i).inner_text().strip()
    kiosk_page.get_by_role("button", name="满意", exact=True).tap()
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    stored = ratings(app)
    assert len(stored) == 1
    assert stored[0].level == 2 and stored[0].case_no == "2026-XX-0001"
    assert stored[0].channel == "touch" and not stored[0].uninvited


def test_bad_rating_with_reasons_and_phone_from_the_keypad(app, live_server, api_headers,
                                                          kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    invite(live_server, api_headers, "2026-XX-0002")
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    kiosk_page.get_by_role("button", name="不满意", exact=True).tap()
    expect(kiosk_page.locator("#screen-reasons")).to_be_visible()
    # Submitting without a reason is refused with a message, nothing stored.
    kiosk_page.locator("#btn-submit").tap()
    expect(kiosk_page.locator("#reasons-error")).not_to_be_empty()
    assert ratings(app) == []
    kiosk_page.get_by_role("button", name="办事效率低、业务不熟练").tap()
    kiosk_page.get_by_role("button", name="服务态度差、政策解释不清楚").tap()
    expect(kiosk_page.locator('.reason[aria-pressed="true"]')).to_have_count(2)
    # The comment is written on the citizen's phone: the reasons screen offers the QR.
    expect(kiosk_page.locator("#comment-qr")).to_be_visible()
    assert kiosk_page.locator("#comment").count() == 0
    kiosk_page.locator("#btn-phone").tap()
    for key in "1381234567":
        kiosk_page.locator(f'.key[data-key="{key}"]').tap()
    kiosk_page.locator("#btn-phone-ok").tap()  # ten digits: refused, nothing lost
    expect(kiosk_page.locator("#phone-error")).to_contain_text("11 位")
    expect(kiosk_page.locator("#phone")).to_have_text("138 1234 567")
    kiosk_page.locator('.key[data-key="8"]').tap()
    kiosk_page.locator("#btn-phone-ok").tap()
    expect(kiosk_page.locator("#phone-value")).to_have_text("138****5678")
    kiosk_page.locator("#btn-submit").tap()
    expect(kiosk_page.locator("#screen-thanks")).to_be_visible()
    stored = ratings(app)[0]
    expect(kiosk_page.locator("#query-code")).to_have_text(stored.query_code)
    # The thank-you QR opens /q with this code filled in.
    qr = kiosk_page.locator("#query-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    expect(kiosk_page.locator("#thanks-countdown")).to_contain_text("秒后返回首页")
    assert stored.level == 4 and stored.case_no == "2026-XX-0002"
    assert stored.reasons == ["R01", "R02"]
    assert stored.phone == "13812345678"
    assert stored.query_code.startswith("PY")


def test_rating_screen_times_out_back_to_idle(app, live_server, api_headers, kiosk_page):
    app.config["KIOSK_IDLE_SECONDS"] = 2
    kiosk_page.goto(f"{live_server}/touch/A01")
    invite(live_server, api_headers, "2026-XX-0003")
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    expect(kiosk_page.locator("#screen-idle")).to_be_visible(timeout=4000)
    assert ratings(app) == []


def test_rating_elsewhere_returns_screen_to_idle(app, live_server, api_headers, kiosk_page):
    kiosk_page.goto(f"{live_server}/touch/A01")
    inv = invite(live_server, api_headers, "2026-XX-0004")
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=1500)
    with app.app_context():  # the evaluator answers first
        from kiosk.ratings.service import record_rating

        record_rating(window_code="A01", level=1, channel="evaluator", invitation_id=inv)
    expect(kiosk_page.locator("#screen-idle")).to_be_visible(timeout=1500)
    assert [r.channel for r in ratings(app)] == ["evaluator"]
