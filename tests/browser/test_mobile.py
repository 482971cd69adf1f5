"""The QR mobile channel in a real browser at a phone viewport, against a real waitress."""
import httpx
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Invitation, Rating
from tests.mobile.helpers import counts, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


def test_scan_rate_with_reasons_photo_then_look_up_and_supplement(app, live_server, phone_page):
    page = phone_page
    page.goto(f"{live_server}/m/w/A01")
    expect(page.locator(".m-window")).to_contain_text("A01")
    # Reasons appear only once a 差评 level is chosen (CSS :has, no script).
    expect(page.locator(".m-reasons")).to_be_hidden()
    bad = page.get_by_label("不满意", exact=True)
    box = page.locator("label.m-level-4").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a large target on a phone
    bad.check()
    expect(page.locator(".m-reasons")).to_be_visible()
    page.get_by_label("办事效率低、业务不熟练").check()
    page.get_by_label("服务态度差、政策解释不清楚").check()
    page.get_by_label("留言（选填，最多 500 字）").fill("材料说明不清楚，跑了两次")
    page.locator('input[name="photos"]').set_input_files(
        [{"name": "queue.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG")}])
    page.get_by_role("button", name="提交评价").click()

    expect(page.locator("h1")).to_contain_text("感谢您的评价")
    code = page.locator("#query-code").inner_text().strip()
    assert code.startswith("PY") and len(code) == 14
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert rating.reasons == ["R01", "R02"] and rating.uninvited and rating.channel == "qr"
    assert counts(app)["photos"] == 1

    page.get_by_role("link", name="查看处理结果", exact=True).click()
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_contain_text("已登记")
    expect(page.locator("#result-code")).to_have_text(code)

    page.get_by_label("补充内容（最多 500 字）").fill("补充：窗口工作人员后来电话解释了")
    page.get_by_role("button", name="提交补充评价").click()
    expect(page.locator(".m-notice")).to_contain_text("补充评价已提交")
    expect(page.locator("#supplement-done")).to_be_visible()
    after = counts(app)
    assert after["ratings"] == 1 and after["supplements"] == 1


def test_one_time_code_from_the_touchscreen(app, live_server, api_headers, kiosk_page, phone_page,
                                            tmp_path):
    kiosk_page.goto(f"{live_server}/touch/A01")
    r = httpx.post(f"{live_server}/api/v1/invitations", headers=api_headers,
                   json={"window": "A01", "case_no": "2026-QR-0100"})
    assert r.status_code == 201, r.text
    expect(kiosk_page.locator("#screen-rate")).to_be_visible(timeout=2000)
    qr = kiosk_page.locator("#mobile-qr-img")
    expect(qr).to_be_visible()
    # Not wait_for_function: its string predicate runs through eval, which the page's CSP forbids.
    expect(qr).to_have_js_property("complete", True)
    expect(qr).not_to_have_js_property("naturalWidth", 0)
    shot = tmp_path / "qr.png"
    qr.screenshot(path=str(shot))
    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert len(decoded) == 1
    url = decoded[0].text
    assert url.startswith(f"{live_server}/m/t/")

    phone_page.goto(url)
    expect(phone_page.locator(".m-case")).to_contain_text("2026-QR-0100")
    phone_page.get_by_label("非常满意", exact=True).check()
    phone_page.get_by_role("button", name="提交评价").click()
    expect(phone_page.locator("h1")).to_contain_text("感谢您的评价")

    # Rated on the phone: the touchscreen returns to its idle screen by itself.
    expect(kiosk_page.locator("#screen-idle")).to_be_visible(timeout=3000)
    expect(kiosk_page.locator("#mobile-qr")).to_be_hidden()
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert rating.case_no == "2026-QR-0100" and not rating.uninvited and rating.level == 1
        assert db.session.get(Invitation, rating.invitation_id).status == "rated"

    # The same code again is refused with a clear message.
    phone_page.goto(url)
    expect(phone_page.locator("#message")).to_contain_text("已经评价过")
    assert counts(app)["ratings"] == 1
