"""Staff photos (decoded, resized, EXIF stripped) and phone numbers (masked, reveal logged)."""
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from kiosk.extensions import db
from kiosk.models import AuditLog, PhoneAccessLog, Staff, User
from kiosk.privacy import RevealRefused, mask_phone, reveal_phone
from kiosk.ratings.service import record_rating

pytestmark = pytest.mark.timeout(60)
PHONE = "13812345678"


def jpeg_with_exif(size=(3000, 4000)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (25.0, 2.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def staff_form(**extra):
    return {"staff_no": "YN0101", "name": "张三", "window_id": "0", "active": "y", **extra}


def test_photo_is_resized_and_stripped_and_served(app, as_role, client):
    manager = as_role("manager")
    assert b"SpyCam" in jpeg_with_exif()
    with app.app_context():
        staff_id = db.session.scalars(sa.select(Staff.id).where(Staff.staff_no == "YN0101")).one()
        window_before = "A01"
    r = manager.post(f"/admin/staff/{staff_id}",
                     {**staff_form(window_id="1"), "photo": (io.BytesIO(jpeg_with_exif()), "me.jpg")},
                     token_from="/admin/staff/new", content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    served = manager.get(f"/admin/staff/{staff_id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    img = Image.open(io.BytesIO(served.data))
    assert img.size == (240, 320) and not img.getexif() and b"SpyCam" not in served.data
    # The touchscreen of the clerk's window shows it too.
    state = client.get(f"/touch/{window_before}/clerk").get_json()
    assert state["staff"]["photo_url"]
    assert client.get(state["staff"]["photo_url"]).status_code == 200
    row = db_last_audit(app, "staff")
    assert row.before["photo"] is None and row.after["photo"].endswith(".jpg")


def db_last_audit(app, entity):
    with app.app_context():
        return db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == entity)
                                  .order_by(AuditLog.id.desc())).first()


@pytest.mark.parametrize("payload", [b"%PDF-1.4 not an image", b"\x89PNG\r\n\x1a\n broken", b""])
def test_non_images_are_refused_and_nothing_saved(app, as_role, payload):
    manager = as_role("manager")
    with app.app_context():
        staff_id = db.session.scalars(sa.select(Staff.id).where(Staff.staff_no == "YN0101")).one()
    r = manager.post(f"/admin/staff/{staff_id}",
                     {**staff_form(name="改了名"), "photo": (io.BytesIO(payload), "x.jpg")},
                     token_from="/admin/staff/new", content_type="multipart/form-data")
    if payload:
        assert r.status_code == 422
        assert "无法识别的图片" in r.get_data(as_text=True)
        with app.app_context():
            person = db.session.get(Staff, staff_id)
            assert person.name == "张三" and person.photo is None
        assert not list((Path(app.instance_path) / "staff_photos").glob("*"))


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) == "" and mask_phone("123") == "***"


def test_phone_masked_in_pages_and_reveal_logged(app, as_role):
    with app.app_context():
        from kiosk.ratings.service import current_reasons
        code = current_reasons().items[0]["code"]
    with app.app_context():
        rating_id = record_rating(window_code="A01", level=4, channel="touch", reasons=[code],
                                  phone=PHONE).rating.id
    manager = as_role("manager")
    page = manager.get("/admin/ratings").get_data(as_text=True)
    assert "138****5678" in page and PHONE not in page
    auditor_page = as_role("auditor").get("/admin/ratings").get_data(as_text=True)
    assert "138****5678" in auditor_page and PHONE not in auditor_page and "查看号码" not in auditor_page

    no_reason = manager.post(f"/admin/ratings/{rating_id}/reveal", {"reason": ""}, token_from="/admin/ratings")
    assert no_reason.status_code == 422 and PHONE not in no_reason.get_data(as_text=True)
    r = manager.post(f"/admin/ratings/{rating_id}/reveal", {"reason": "差评回访"}, token_from="/admin/ratings")
    assert r.status_code == 200 and PHONE in r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    assert as_role("handler").post(f"/admin/ratings/{rating_id}/reveal", {"reason": "x"}).status_code == 403
    assert as_role("auditor").post(f"/admin/ratings/{rating_id}/reveal", {"reason": "x"}).status_code == 403
    with app.app_context():
        logs = db.session.scalars(sa.select(PhoneAccessLog)).all()
        assert [(log.username, log.reason, log.rating_id) for log in logs] == [("manager1", "差评回访", rating_id)]
    assert "差评回访" in as_role("admin").get("/admin/audit").get_data(as_text=True)


def test_reveal_for_handlers_only_on_their_cases(app, users):
    with app.app_context():
        from kiosk.ratings.service import current_reasons
        code = current_reasons().items[0]["code"]
        rating = record_rating(window_code="A01", level=5, channel="touch", reasons=[code],
                               phone=PHONE).rating
        from kiosk.models import Rating
        row = db.session.get(Rating, rating.id)
        handler = db.session.scalars(sa.select(User).where(User.username == users["handler"])).one()
        with pytest.raises(RevealRefused):
            reveal_phone(row, handler, "回访")
        with pytest.raises(RevealRefused):
            reveal_phone(row, handler, "回访", responsible=False)
        assert reveal_phone(row, handler, "回访", responsible=True) == PHONE
        assert db.session.scalar(sa.select(sa.func.count(PhoneAccessLog.id))) == 1
