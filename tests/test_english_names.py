"""Where a hall or window has an English name, every English page outside the admin shows
it (touchscreen, wall display, QR pages, posters, /q); Chinese pages keep the Chinese name.
(/q shows no hall: a query code is looked up wherever the citizen is.)"""
import pytest

from kiosk.extensions import db
from kiosk.lookups import current_hall
from kiosk.ratings.service import record_rating
from tests.mobile.helpers import csrf_from

HALL_EN = "Wuhua District Government Service Center, Kunming"
WINDOW_EN = "Household Registration"  # A03


@pytest.mark.parametrize("path", ["/touch/A03", "/display", "/m/", "/m/w/A03",
                                  "/m/posters", "/m/poster/w/A03", "/m/poster/hall"])
def test_english_pages_name_the_hall_and_window_in_english(app, client, path):
    with app.app_context():  # posters print QR codes only for the hall's public address
        current_hall().public_base_url = "https://pj.example.gov.cn"
        db.session.commit()
    english = client.get(f"{path}?lang=en")
    page = english.get_data(as_text=True)
    assert english.status_code == 200, path
    assert HALL_EN in page or WINDOW_EN in page, path
    chinese = client.get(f"{path}?lang=zh_CN").get_data(as_text=True)
    assert HALL_EN not in chinese and WINDOW_EN not in chinese, path


def test_the_wall_displays_data_names_windows_in_the_pages_language(client):
    windows = client.get("/display/data.json?lang=en").get_json()["windows"]
    assert {w["code"]: w["name"] for w in windows}["A03"] == WINDOW_EN
    windows = client.get("/display/data.json?lang=zh_CN").get_json()["windows"]
    assert {w["code"]: w["name"] for w in windows}["A03"] == "户籍办理窗口"


def test_the_query_page_names_the_window_in_english(app, client):
    with app.app_context():
        code = record_rating(window_code="A03", level=5, channel="qr", reasons=["R02"],
                             source_ref="t:q-en").rating.query_code
        db.session.remove()
    client.get("/q?lang=en")
    r = client.post("/q?lang=en", data={"csrf_token": csrf_from(client, "/q"), "code": code})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and f"A03 {WINDOW_EN}" in page
    assert "Registered, being handled" in page  # the case's status in English too
