"""QR images decode back to the right URL; posters carry what a hall prints."""
import io

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from kiosk.extensions import db
from kiosk.mobile.qr import join_url, qr_png, qr_svg
from kiosk.models import Hall

pytestmark = pytest.mark.timeout(30)


def decode_png(data: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(found) == 1
    return found[0].text


def set_base_url(app, url):
    with app.app_context():
        db.session.scalars(sa.select(Hall)).first().public_base_url = url
        db.session.commit()


@pytest.fixture(autouse=True)
def printable(app):
    """Printed codes need the hall's public base URL (kiosk/mobile/links.py)."""
    set_base_url(app, "http://localhost/")


def test_pure_qr_module_round_trip():
    url = "https://hall.example.gov.cn/m/w/A03"
    assert decode_png(qr_png(url)) == url
    svg = qr_svg(url)
    assert svg.startswith("<svg") and "<path" in svg
    assert join_url("http://10.0.0.5:8080/", "/m/") == "http://10.0.0.5:8080/m/"


def test_nothing_is_printed_from_the_request_host(app, client):
    set_base_url(app, "")
    r = client.get("/m/qr/w/A01.png", headers={"Host": "evil.example"})
    assert r.status_code == 409 and "二维码公网地址" in r.get_data(as_text=True)
    assert client.get("/m/poster/hall").status_code == 409
    set_base_url(app, "http://10.0.0.5:8080/")
    r = client.get("/m/qr/w/A01.png", headers={"Host": "evil.example"})
    assert r.status_code == 200 and decode_png(r.data) == "http://10.0.0.5:8080/m/w/A01"


def test_window_and_hall_qr_use_the_hall_public_base_url(app, client):
    set_base_url(app, "https://pj.example.gov.cn/wuhua/")
    assert decode_png(client.get("/m/qr/w/B02.png").data) == "https://pj.example.gov.cn/wuhua/m/w/B02"
    assert decode_png(client.get("/m/qr/hall.png").data) == "https://pj.example.gov.cn/wuhua/m/"
    svg = client.get("/m/qr/w/B02.svg")
    assert svg.mimetype == "image/svg+xml" and b"<path" in svg.data


def test_download_is_an_attachment(client):
    r = client.get("/m/qr/w/A01.svg?download=1")
    assert r.headers["Content-Disposition"] == 'attachment; filename="qr-A01.svg"'
    assert client.get("/m/qr/w/NOPE.png").status_code == 404


def test_window_poster_has_hall_window_staff_code_and_instruction(client):
    page = client.get("/m/poster/w/A01?size=a4").get_data(as_text=True)
    for text in ("昆明市五华区政务服务中心", "A01", "综合受理窗口", "张三", "YN0101",
                 "请用手机扫码", "/m/qr/w/A01.svg", "/m/qr/w/A01.png?download=1",
                 "paper-a4", "poster.css"):
        assert text in page, text
    css = client.get("/static/mobile/poster.css").get_data(as_text=True)
    assert "size: A5" in css and "size: A4" in css and "@media print" in css


def test_hall_poster_and_poster_list(client):
    assert "/m/qr/hall.svg" in client.get("/m/poster/hall").get_data(as_text=True)
    listing = client.get("/m/posters").get_data(as_text=True)
    assert "/m/poster/w/D01" in listing and "/m/poster/hall" in listing


def test_hall_page_lists_and_searches_windows(client):
    everything = client.get("/m/").get_data(as_text=True)
    assert "/m/w/A01" in everything and "/m/w/D01" in everything
    by_name = client.get("/m/?q=户籍").get_data(as_text=True)
    assert "/m/w/A03" in by_name and "/m/w/A01" not in by_name
    by_service = client.get("/m/?q=公积金提取").get_data(as_text=True)
    assert "/m/w/C02" in by_service
    assert "没有找到" in client.get("/m/?q=火星").get_data(as_text=True)
