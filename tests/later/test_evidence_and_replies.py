"""Photos and 补充评价 on the admin's rating and case pages (login, entitlement, every view
logged, never cached); a reply to a non-差评 comment that the citizen reads on /q."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import AuditLog, Rating
from kiosk.models.cases import BadCase
from kiosk.models.mobile import RatingPhoto, RatingReply
from tests.admin.conftest import login, users  # noqa: F401  (fixture)
from tests.later.helpers import invite, link_path
from tests.mobile.helpers import image_bytes
from tests.mobile.test_mobile_rating import post_rating
from tests.mobile.test_query_and_supplement import look_up, supplement

pytestmark = pytest.mark.timeout(60)


def _rate(app, client, api_headers, case_no, level, **kw):
    body = invite(client, api_headers, case_no=case_no)
    assert post_rating(client, link_path(body), level=level, **kw).status_code == 302
    with app.app_context():
        return db.session.scalars(sa.select(Rating).where(Rating.case_no == case_no)).one()


def test_rating_page_shows_photos_and_supplement_and_logs_each_view(app, client, api_headers,
                                                                    users):  # noqa: F811
    rating = _rate(app, client, api_headers, "2026-XX-0500", 2, comment="窗口很热情",
                   photos=[("a.jpg", image_bytes("JPEG"))])
    r = supplement(client, rating.query_code, comment="补充：材料一次就过了",
                   photos=[("b.png", image_bytes("PNG"))])
    assert r.status_code == 200
    with app.app_context():
        photo_ids = db.session.scalars(sa.select(RatingPhoto.id).order_by(RatingPhoto.id)).all()
    assert len(photo_ids) == 2

    anonymous = app.test_client().get(f"/admin/photos/{photo_ids[0]}")
    assert anonymous.status_code in (302, 401) and not anonymous.data.startswith(b"\xff\xd8")

    manager = login(app, users["manager"])
    page = manager.get(f"/admin/ratings/{rating.id}").get_data(as_text=True)
    assert "窗口很热情" in page and "补充：材料一次就过了" in page
    assert "事后评价" in page  # the channel, in words
    for photo_id in photo_ids:
        assert f"/admin/photos/{photo_id}" in page
    image = manager.get(f"/admin/photos/{photo_ids[0]}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.data.startswith(b"\xff\xd8") and "no-store" in image.headers["Cache-Control"]
    with app.app_context():
        views = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "view", AuditLog.entity == "rating_photo")).all()
        assert [(v.actor, v.entity_id) for v in views] == [("manager1", str(photo_ids[0]))]
    listing = manager.get("/admin/evidence").get_data(as_text=True)
    assert f"/admin/ratings/{rating.id}" in listing and "待答复" in listing


def test_case_page_shows_the_bad_ratings_photos(app, client, api_headers, users):  # noqa: F811
    rating = _rate(app, client, api_headers, "2026-XX-0501", 4, reasons=["R01"],
                   comment="等了两个小时", photos=[("a.jpg", image_bytes("JPEG"))])
    with app.app_context():
        case_id = db.session.scalars(sa.select(BadCase.id)).one()
        photo_id = db.session.scalars(sa.select(RatingPhoto.id)).one()
    page = login(app, users["manager"]).get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert f"/admin/photos/{photo_id}" in page and "补充评价与照片" in page
    detail = login(app, users["auditor"]).get(f"/admin/ratings/{rating.id}")
    assert detail.status_code == 200 and f"/admin/cases/{case_id}" in detail.get_data(as_text=True)


def test_a_handler_sees_photos_only_of_cases_it_may_see(app, client, api_headers,
                                                       users):  # noqa: F811
    rating = _rate(app, client, api_headers, "2026-XX-0502", 2, comment="好",
                   photos=[("a.jpg", image_bytes("JPEG"))])
    with app.app_context():
        photo_id = db.session.scalars(sa.select(RatingPhoto.id)).one()
    handler = login(app, users["handler"])
    assert handler.get(f"/admin/photos/{photo_id}").status_code == 404
    assert handler.get(f"/admin/ratings/{rating.id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.entity == "rating_photo")) == 0


def test_a_photo_path_outside_the_instance_is_never_served(app, client, api_headers,
                                                          users):  # noqa: F811
    _rate(app, client, api_headers, "2026-XX-0503", 2, photos=[("a.jpg", image_bytes("JPEG"))])
    with app.app_context():
        photo = db.session.scalars(sa.select(RatingPhoto)).one()
        photo.path = "../../etc/passwd"
        db.session.commit()
        photo_id = photo.id
    assert login(app, users["admin"]).get(f"/admin/photos/{photo_id}").status_code == 404


def test_reply_to_a_satisfied_comment_is_shown_on_q(app, client, api_headers,
                                                    users):  # noqa: F811
    rating = _rate(app, client, api_headers, "2026-XX-0504", 1, comment="希望增加周末服务")
    before = look_up(client, rating.query_code).get_data(as_text=True)
    assert "暂无答复" in before
    manager = login(app, users["manager"])
    path = f"/admin/ratings/{rating.id}"
    r = manager.post(f"{path}/reply", data={"text": "感谢建议，周六上午已开放综合窗口。"},
                     token_from=path)
    assert r.status_code == 302
    shown = look_up(client, rating.query_code).get_data(as_text=True)
    assert "感谢建议，周六上午已开放综合窗口。" in shown and "已答复" in shown
    again = manager.post(f"{path}/reply", data={"text": "第二次"}, token_from=path)
    assert "已经答复过" in manager.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(RatingReply.text)).all() == [
            "感谢建议，周六上午已开放综合窗口。"]
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action == "reply")) == 1


def test_replies_are_refused_for_bad_ratings_empty_text_and_read_only_roles(
        app, client, api_headers, users):  # noqa: F811
    bad = _rate(app, client, api_headers, "2026-XX-0505", 5, reasons=["R02"], comment="态度差")
    good = _rate(app, client, api_headers, "2026-XX-0506", 2, comment="好")
    manager = login(app, users["manager"])
    for rating, text, message in ((bad, "答复", "差评请在差评工单中答复"),
                                  (good, "   ", "答复须为 1 至 500 个字"),
                                  (good, "长" * 501, "答复须为 1 至 500 个字")):
        path = f"/admin/ratings/{rating.id}"
        r = manager.post(f"{path}/reply", data={"text": text}, token_from=path)
        assert message in manager.get(r.headers["Location"]).get_data(as_text=True)
    auditor = login(app, users["auditor"])
    path = f"/admin/ratings/{good.id}"
    assert auditor.post(f"{path}/reply", data={"text": "x"}, token_from=path).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RatingReply.id))) == 0
