"""The mobile rating page: scan, rate, photos, real name, limits; bad input stores nothing."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from kiosk.extensions import db
from kiosk.models import Invitation, OutboxEntry, Rating
from kiosk.models.base import utcnow
from kiosk.models.mobile import MobileToken, RatingPhoto
from tests.mobile.helpers import counts, csrf_from, image_bytes, photo_files

pytestmark = pytest.mark.timeout(30)


def post_rating(client, url, *, level, reasons=(), comment="", photos=(), phone=None):
    data = {"csrf_token": csrf_from(client, url), "level": str(level), "reasons": list(reasons),
            "comment": comment, "identity": "real_name" if phone else "anonymous",
            "phone": phone or ""}
    if photos:
        data["photos"] = [(io.BytesIO(raw), name) for name, raw in photos]
    return client.post(url, data=data, content_type="multipart/form-data")


def test_rate_page_is_chinese_with_levels_reasons_and_labels(client):
    page = client.get("/m/w/A01").get_data(as_text=True)
    for text in ("A01", "综合受理窗口", "张三", "非常满意", "非常不满意", "办事效率低、业务不熟练",
                 "匿名评价", "实名评价", 'name="csrf_token"', 'enctype="multipart/form-data"'):
        assert text in page, text
    three_level = client.get("/m/w/C02").get_data(as_text=True)
    assert "非常满意" not in three_level and "基本满意" in three_level


def test_good_uninvited_rating_goes_through_the_ratings_service(app, client):
    r = post_rating(client, "/m/w/A01", level=2)
    assert r.status_code == 302 and r.headers["Location"].endswith("/m/thanks")
    thanks = client.get("/m/thanks").get_data(as_text=True)
    assert "感谢您的评价" in thanks and "满意" in thanks and 'id="query-code"' not in thanks
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert (rating.channel, rating.level, rating.uninvited) == ("qr", 2, True)
        assert rating.query_code is None
        outbox = db.session.scalars(sa.select(OutboxEntry)).one()
        assert outbox.kind == "rating" and outbox.payload["channel"] == "qr"


def test_bad_rating_with_reasons_comment_photo_and_phone(app, client):
    jpeg = image_bytes("JPEG", with_exif=True)
    assert b"SecretPhoneMaker" in jpeg
    r = post_rating(client, "/m/w/A03", level=4, reasons=["R01", "R02"], comment="等了很久",
                    photos=[("a.jpg", jpeg), ("b.png", image_bytes("PNG"))], phone="13812345678")
    assert r.status_code == 302
    thanks = client.get("/m/thanks").get_data(as_text=True)
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert rating.reasons == ["R01", "R02"] and rating.comment == "等了很久"
        assert rating.phone == "13812345678" and rating.query_code.startswith("PY")
        photos = db.session.scalars(sa.select(RatingPhoto).order_by(RatingPhoto.id)).all()
        assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
        events = [e for e in db.session.scalars(
            sa.select(OutboxEntry).where(OutboxEntry.kind == "rating_event"))
            if e.payload["event"] == "photos"]  # the 差评 workflow adds its own events
        assert len(events) == 1
        assert len(events[0].payload["photos"]) == 2
        assert events[0].payload["rating_id"] == str(rating.id)
    assert rating.query_code in thanks
    assert "13812345678" not in thanks
    files = photo_files(app)
    assert len(files) == 2
    stored = files[0].read_bytes() if files[0].suffix == ".jpg" else files[1].read_bytes()
    assert b"SecretPhoneMaker" not in stored  # metadata stripped by re-encoding
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_bad_rating_needs_a_reason(app, client):
    r = post_rating(client, "/m/w/A01", level=5, comment="x")
    assert r.status_code == 422
    assert "请至少选择一项不满意的原因" in r.get_data(as_text=True)
    assert counts(app)["ratings"] == 0


def test_real_name_needs_a_valid_phone(app, client):
    r = post_rating(client, "/m/w/A01", level=2, phone="12345")
    assert r.status_code == 422 and "手机号码格式不正确" in r.get_data(as_text=True)
    assert counts(app)["ratings"] == 0


def test_comment_over_500_is_refused(app, client):
    r = post_rating(client, "/m/w/A01", level=2, comment="字" * 501)
    assert r.status_code == 422 and "500" in r.get_data(as_text=True)
    assert counts(app)["ratings"] == 0


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([("notes.jpg", b"%PDF-1.4 not an image at all")], "不是 JPEG 或 PNG"),
        ([("a.gif", Image.new("RGB", (4, 4)).tobytes())], "不是 JPEG 或 PNG"),
        ([(f"{i}.png", image_bytes("PNG")) for i in range(6)], "最多上传 5 张"),
        ([("ok.png", image_bytes("PNG")), ("big.jpg", b"\xff" * (5 * 1024 * 1024 + 1))],
         "超过 5 MB"),
    ],
    ids=["non-image", "raw-bytes", "sixth-photo", "oversize"],
)
def test_bad_photos_are_refused_and_nothing_is_stored(app, client, photos, message):
    r = post_rating(client, "/m/w/A01", level=4, reasons=["R01"], comment="附图", photos=photos)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert counts(app) == {"ratings": 0, "photos": 0, "supplements": 0, "outbox": 0}
    assert photo_files(app) == []


def test_uninvited_ratings_are_rate_limited_per_client(app, client):
    app.config["RATE_LIMITS"] = {"uninvited_cookie": "2 per 10 minutes"}
    assert post_rating(client, "/m/w/A01", level=1).status_code == 302
    assert post_rating(client, "/m/w/A02", level=1).status_code == 302
    limited = post_rating(client, "/m/w/A03", level=1)
    assert limited.status_code == 429 and "提交过于频繁" in limited.get_data(as_text=True)
    assert counts(app)["ratings"] == 2
    # Another phone (another cookie) behind the same hall Wi-Fi can still rate.
    other = app.test_client()
    assert post_rating(other, "/m/w/A03", level=1).status_code == 302


def test_hall_refusing_uninvited_ratings_says_so(app, client):
    from kiosk.models import Hall
    with app.app_context():
        db.session.scalars(sa.select(Hall)).first().allow_uninvited = False
        db.session.commit()
    r = client.get("/m/w/A01")
    assert r.status_code == 403 and "仅接受窗口邀请后的评价" in r.get_data(as_text=True)


# ---- the one-time code of the touchscreen -------------------------------------------------

def invite(client, api_headers, case_no, window="A01"):
    r = client.post("/api/v1/invitations", headers=api_headers,
                    json={"window": window, "case_no": case_no, "service_code": "530102001000"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


def one_time_path(client, window="A01"):
    qr = client.get(f"/touch/{window}/state").get_json()["mobile_qr"]
    assert qr["url"].startswith("http://localhost/m/t/")
    return qr["url"].removeprefix("http://localhost"), qr["image_url"]


def test_one_time_code_rates_that_exact_case(app, client, api_headers):
    inv_id = invite(client, api_headers, "2026-QR-0001")
    path, image_url = one_time_path(client)
    assert one_time_path(client)[0] == path  # the same code on every poll
    assert client.get(image_url).mimetype == "image/svg+xml"
    page = client.get(path).get_data(as_text=True)
    assert "2026-QR-0001" in page
    assert post_rating(client, path, level=1).status_code == 302
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert rating.invitation_id == inv_id and rating.case_no == "2026-QR-0001"
        assert rating.channel == "qr" and not rating.uninvited
        assert db.session.get(Invitation, inv_id).status == "rated"
        assert db.session.scalars(sa.select(MobileToken)).one().used_at is not None
    # The touchscreen goes back to idle: no invitation, no code.
    state = client.get("/touch/A01/state").get_json()
    assert state["invitation"] is None and state["mobile_qr"] is None
    # Reusing the code is refused clearly; still one rating.
    again = client.get(path)
    assert again.status_code == 409 and "已经评价过" in again.get_data(as_text=True)
    assert client.get(image_url).status_code == 409
    assert counts(app)["ratings"] == 1


def test_reused_code_refused_on_post_too(app, client, api_headers):
    invite(client, api_headers, "2026-QR-0002")
    path, _image = one_time_path(client)
    token = csrf_from(client, path)
    assert post_rating(client, path, level=2).status_code == 302
    r = client.post(path, data={"csrf_token": token, "level": "1", "identity": "anonymous"})
    assert r.status_code == 409
    assert counts(app)["ratings"] == 1


def test_touchscreen_answering_first_wins(app, client, api_headers):
    inv_id = invite(client, api_headers, "2026-QR-0003")
    path, _image = one_time_path(client)
    state = client.get("/touch/A01/state").get_json()
    touch = client.post("/touch/A01/rate", json={"level": 2, "invitation_id": inv_id},
                        headers={"X-CSRFToken": state["csrf_token"]})
    assert touch.status_code == 201
    r = client.get(path)
    assert r.status_code == 409 and "已经评价过" in r.get_data(as_text=True)
    assert counts(app)["ratings"] == 1


def test_expired_and_unknown_codes_are_refused(app, client, api_headers):
    invite(client, api_headers, "2026-QR-0004")
    path, _image = one_time_path(client)
    csrf = csrf_from(client, path)
    with app.app_context():
        db.session.execute(sa.update(MobileToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    expired = client.post(path, data={"csrf_token": csrf, "level": "1", "identity": "anonymous"})
    assert expired.status_code == 410 and "二维码已过期" in expired.get_data(as_text=True)
    unknown = client.get("/m/t/not-a-real-token")
    assert unknown.status_code == 404 and "二维码无效" in unknown.get_data(as_text=True)
    assert counts(app)["ratings"] == 0
    # While the invitation is still on screen, the touchscreen gets a fresh code.
    fresh_path, _image = one_time_path(client)
    assert fresh_path != path and client.get(fresh_path).status_code == 200
