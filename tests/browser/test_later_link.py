"""Rating later in a real browser: the QR printed on the receipt (decoded from the API's PNG)
opens the case two working days after the visit; a second visit is refused; the case lookup
on /m/ refuses a wrong check and opens the case with the receipt's short code."""
import io

import httpx
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Invitation, Rating
from tests.later.helpers import invited_at, two_days_ago_at_ten

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def _invite(live_server, api_headers, case_no, **extra):
    r = httpx.post(f"{live_server}/api/v1/invitations", headers=api_headers,
                   json={"window": "A03", "case_no": case_no, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def test_receipt_qr_two_working_days_later_then_lookup(app, live_server, api_headers,
                                                       phone_page):
    page = phone_page
    body = _invite(live_server, api_headers, "2026-XX-0600", phone="13812345678")
    invited_at(app, body["id"], two_days_ago_at_ten())
    png = httpx.get(body["later"]["qr_png"], headers=api_headers)
    assert png.status_code == 200
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [d.text for d in decoded] == [body["later"]["url"]]

    page.goto(decoded[0].text)
    expect(page.locator(".m-case")).to_contain_text("2026-XX-0600")
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("办事效率低、业务不熟练").check()
    page.get_by_label("留言（选填，最多 500 字）").fill("补正材料一直没有人回复")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("h1")).to_contain_text("感谢您的评价")
    assert page.locator("#query-code").inner_text().strip().startswith("PY")
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert (rating.channel, rating.level, rating.reasons) == ("later", 4, ["R01"])
        assert db.session.get(Invitation, body["id"]).status == "rated"

    page.goto(decoded[0].text)  # the same receipt again
    expect(page.locator("#message")).to_contain_text("已经评价过")

    other = _invite(live_server, api_headers, "2026-XX-0601")
    page.goto(f"{live_server}/m/")
    page.get_by_role("textbox", name="办件编号", exact=True).fill("2026-XX-0601")
    page.get_by_role("textbox", name="验证信息").fill("ZZZZZZ")
    page.get_by_role("button", name="查找办件并评价").click()
    expect(page.locator(".m-error-box")).to_contain_text("办件编号或验证信息不正确")
    expect(page.locator("body")).not_to_contain_text("A03")
    page.get_by_role("textbox", name="办件编号", exact=True).fill("2026-XX-0601")
    page.get_by_role("textbox", name="验证信息").fill(other["later"]["short_code"].lower())
    page.get_by_role("button", name="查找办件并评价").click()
    expect(page.locator(".m-case")).to_contain_text("2026-XX-0601")
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("h1")).to_contain_text("感谢您的评价")
    with app.app_context():
        channels = db.session.scalars(sa.select(Rating.channel)).all()
        assert channels == ["later", "later"]
