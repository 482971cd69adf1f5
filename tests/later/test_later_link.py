"""The case's own rating link: returned by the business API, rates the case once with channel
"later" until its deadline; forged, expired and second uses are refused and store nothing."""
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from kiosk.extensions import db
from kiosk.later.codes import SHORT_CODE_ALPHABET
from kiosk.later.links import SALT
from kiosk.models import ApiToken, Invitation, OutboxEntry, Rating
from kiosk.models.base import utcnow
from kiosk.models.cases import BadCase
from kiosk.models.tokens import hash_token
from kiosk.ratings.service import record_rating
from kiosk.timeutil import to_local
from tests.later.helpers import invite, invited_at, link_path, two_days_ago_at_ten
from tests.mobile.helpers import counts, csrf_from
from tests.mobile.test_mobile_rating import post_rating

pytestmark = pytest.mark.timeout(60)


def test_api_returns_link_short_code_and_qr_images(client, api_headers):
    body = invite(client, api_headers, phone="13812345678")
    later = body["later"]
    assert "/m/l/" in later["url"] and later["valid_until"] == body["expires_at"]
    assert len(later["short_code"]) == 6 and set(later["short_code"]) <= set(SHORT_CODE_ALPHABET)
    assert body["sms"] is None  # no gateway configured: nothing queued
    svg = client.get(later["qr_svg"], headers=api_headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = client.get(later["qr_png"], headers=api_headers)
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert client.get(later["qr_svg"]).status_code == 401  # the business API's token only
    again = client.get(f"/api/v1/invitations/{body['id']}", headers=api_headers).get_json()
    assert again["later"]["url"] == later["url"]  # reprintable: the same link


@pytest.mark.parametrize("body, code", [
    ({"phone": "12345"}, "bad_phone"),
    ({"phone": 13812345678}, "bad_request"),
    ({"send_sms": "yes", "phone": "13812345678"}, "bad_request"),
    ({"send_sms": True}, "phone_required"),
])
def test_bad_phone_or_sms_flag_is_refused_and_nothing_stored(app, client, api_headers, body, code):
    r = client.post("/api/v1/invitations", headers=api_headers,
                    json={"window": "A01", "case_no": "2026-XX-0101", **body})
    assert r.status_code in (400, 422) and r.get_json()["error"] == code
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_citizen_rates_two_working_days_later_through_the_receipt_link(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0102", window="A03")
    # Invited two days ago at 10:00, the link opened now: within the 5 working days.
    invited_at(app, body["id"], two_days_ago_at_ten())
    path = link_path(body)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-XX-0102" in html and "A03" in html and "不满意的原因" in html

    r = post_rating(client, path, level=4, reasons=["R01"], comment="材料被退回三次")
    assert r.status_code == 302 and r.headers["Location"].endswith("/m/thanks")
    assert "PY" in client.get("/m/thanks").get_data(as_text=True)
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert (rating.channel, rating.level, rating.case_no) == ("later", 4, "2026-XX-0102")
        assert not rating.uninvited and not rating.is_default  # counts as 主动评价
        assert rating.reasons == ["R01"] and rating.invitation_id == body["id"]
        assert db.session.get(Invitation, body["id"]).status == "rated"
        record = db.session.scalars(
            sa.select(OutboxEntry).where(OutboxEntry.kind == "rating")).one()
        assert record.payload["channel"] == "later"
        assert db.session.scalars(sa.select(BadCase)).one().rating_id == rating.id
    api = client.get(f"/api/v1/invitations/{body['id']}", headers=api_headers).get_json()
    assert api["status"] == "rated" and api["rating"]["channel"] == "later"


def test_second_rating_through_the_link_is_refused(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0103")
    path = link_path(body)
    assert post_rating(client, path, level=1).status_code == 302
    before = counts(app)
    again = client.get(path)
    assert again.status_code == 409 and "已经评价过" in again.get_data(as_text=True)
    second = client.post(path, data={"level": "5", "csrf_token": csrf_from(client, "/m/")})
    assert second.status_code == 409
    assert counts(app) == before


def test_the_window_screen_answering_first_closes_the_link(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0104")
    token = csrf_from(client, link_path(body))  # the citizen has the form open …
    with app.app_context():  # … when the window's screen is answered
        record_rating(window_code="A01", level=2, channel="touch", invitation_id=body["id"])
    r = client.post(link_path(body), data={"csrf_token": token, "level": "5",
                                           "reasons": ["R02"], "identity": "anonymous"})
    assert r.status_code == 409  # the form was open; the claim refuses the late answer
    with app.app_context():
        assert db.session.scalars(sa.select(Rating.channel)).all() == ["touch"]


def test_expired_link_is_refused_on_open_and_on_submit(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0105")
    path = link_path(body)
    page = client.get(path)
    assert page.status_code == 200
    invited_at(app, body["id"], to_local(utcnow()) - timedelta(days=21))
    expired = client.get(path)
    assert expired.status_code == 410 and "评价期限" in expired.get_data(as_text=True)
    before = counts(app)
    late = client.post(path, data={"level": "2", "csrf_token": csrf_from(client, "/m/")})
    assert late.status_code == 410
    assert counts(app) == before


def test_forged_links_are_refused_alike(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0106")
    token = link_path(body).rsplit("/", 1)[1]
    other_key = URLSafeSerializer("not-the-hall-key", salt=SALT).dumps(body["id"])
    with app.app_context():
        unknown_id = URLSafeSerializer(app.config["SECRET_KEY"], salt=SALT).dumps(99999)
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), other_key,
                   unknown_id, "x", token + "."):
        r = client.get(f"/m/l/{forged}")
        assert r.status_code == 404, forged
        assert "评价链接无效" in r.get_data(as_text=True)
    assert counts(app)["ratings"] == 0


def test_bad_rating_without_reasons_keeps_the_form_and_stores_nothing(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0107")
    r = post_rating(client, link_path(body), level=5)
    assert r.status_code == 422 and "请至少选择一项" in r.get_data(as_text=True)
    assert counts(app)["ratings"] == 0


def test_the_touchscreen_never_shows_the_later_link_or_code(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0108")
    token = link_path(body).rsplit("/", 1)[1]
    for url in ("/touch/A01", "/touch/A01/state"):
        shown = client.get(url)
        assert shown.status_code == 200
        text = shown.get_data(as_text=True)
        assert token not in text and body["later"]["short_code"] not in text
    post_rating(client, link_path(body), level=2)
    for url in ("/touch/A01", "/touch/A01/state"):
        shown = client.get(url)
        assert shown.status_code == 200
        text = shown.get_data(as_text=True)
        assert token not in text and body["later"]["short_code"] not in text


def test_link_of_a_defaulted_case_says_the_period_is_over(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0109")
    with app.app_context():
        db.session.get(Invitation, body["id"]).status = "defaulted"
        db.session.commit()
    r = client.get(link_path(body))
    assert r.status_code == 410 and "评价期限" in r.get_data(as_text=True)


def test_another_business_systems_token_gets_no_link_or_qr(app, client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0110")
    other = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(ApiToken(name="another-system", token_hash=hash_token(other)))
        db.session.commit()
    headers = {"Authorization": f"Bearer {other}"}
    for url in (f"/api/v1/invitations/{body['id']}", body["later"]["qr_svg"],
                body["later"]["qr_png"]):
        assert client.get(url, headers=headers).status_code == 404, url
