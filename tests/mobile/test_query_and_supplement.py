"""/q shows one rating's status and reply, nothing personal; supplements within 5 working days."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.mobile import status
from kiosk.models import OutboxEntry, Rating
from kiosk.models.mobile import RatingPhoto, RatingSupplement
from kiosk.ratings.service import record_rating
from tests.mobile.helpers import counts, csrf_from, image_bytes, photo_files

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def bad_rating(app):
    with app.test_request_context():
        result = record_rating(window_code="A03", level=5, channel="qr", reasons=["R02"],
                               comment="态度不好", phone="13912345678")
        return result.rating.query_code


def look_up(client, code):
    return client.post("/q", data={"csrf_token": csrf_from(client, "/q"), "code": code})


def supplement(client, code, comment="", photos=()):
    data = {"csrf_token": csrf_from(client, "/q"), "code": code, "comment": comment}
    if photos:
        data["photos"] = [(io.BytesIO(raw), name) for name, raw in photos]
    return client.post("/q/supplement", data=data, content_type="multipart/form-data")


def test_lookup_shows_status_and_nothing_personal(client, bad_rating):
    r = look_up(client, bad_rating.lower()[:6] + " " + bad_rating[6:])  # typed loosely
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    for text in (bad_rating, "A03", "非常不满意", "服务态度差", "已登记", "暂无答复", "补充评价"):
        assert text in page, text
    for private in ("13912345678", "139****5678", "王芳", "YN0103", "态度不好"):
        assert private not in page, private


def test_wrong_query_code_is_refused_clearly(client, bad_rating):
    for code in ("PY000000000000", "hello", bad_rating[:-1]):
        r = look_up(client, code)
        assert r.status_code == 404 and "查询码不存在" in r.get_data(as_text=True)


def test_lookups_are_rate_limited(client, bad_rating):
    for _ in range(10):
        look_up(client, "PY000000000000")
    r = look_up(client, bad_rating)
    assert r.status_code == 429 and "查询过于频繁" in r.get_data(as_text=True)


def test_status_provider_hook_for_the_case_workflow(app, client, bad_rating):
    status.set_status_provider(app, lambda rating: ("已答复", "已对窗口人员进行批评教育。"))
    page = look_up(client, bad_rating).get_data(as_text=True)
    assert "已答复" in page and "已对窗口人员进行批评教育。" in page


def test_supplement_is_stored_with_its_outbox_event(app, client, bad_rating):
    before = counts(app)
    r = supplement(client, bad_rating, "补充：排队一个小时", [("p.png", image_bytes("PNG"))])
    assert r.status_code == 200 and "补充评价已提交" in r.get_data(as_text=True)
    after = counts(app)
    assert after["ratings"] == before["ratings"] == 1  # a supplement, not a second rating
    assert after["supplements"] == 1 and after["photos"] == 1
    assert after["outbox"] == before["outbox"] + 1
    with app.app_context():
        event = db.session.scalars(sa.select(OutboxEntry).order_by(OutboxEntry.id.desc())).first()
        rating = db.session.scalars(sa.select(Rating)).one()
        supp = db.session.scalars(sa.select(RatingSupplement)).one()
        photo = db.session.scalars(sa.select(RatingPhoto)).one()
    assert event.kind == "rating_event" and event.payload["event"] == "supplement"
    assert event.payload["rating_id"] == str(rating.id) and event.payload["assess_number"] == 2
    assert event.payload["note"] == "补充：排队一个小时"
    assert photo.supplement_id == supp.id
    # Only one supplement per rating.
    again = supplement(client, bad_rating, "再补充")
    assert again.status_code == 409 and "已经补充过" in again.get_data(as_text=True)
    assert counts(app)["supplements"] == 1


def test_supplement_bad_input_stores_nothing(app, client, bad_rating):
    before = counts(app)
    empty = supplement(client, bad_rating, "")
    assert empty.status_code == 422 and "请填写补充内容" in empty.get_data(as_text=True)
    non_image = supplement(client, bad_rating, "附件", [("x.jpg", b"not an image")])
    assert non_image.status_code == 422 and "不是 JPEG 或 PNG" in non_image.get_data(as_text=True)
    wrong = supplement(client, "PY000000000000", "x")
    assert wrong.status_code == 404
    assert counts(app) == before and photo_files(app) == []


def test_supplement_after_five_working_days_is_refused(app, client, bad_rating):
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        rating.rated_at = rating.rated_at - timedelta(days=10)  # always > 5 working days
        db.session.commit()
    page = look_up(client, bad_rating).get_data(as_text=True)
    assert "提交补充评价" not in page  # no form offered any more
    before = counts(app)
    r = supplement(client, bad_rating, "迟到的补充", [("p.png", image_bytes("PNG"))])
    assert r.status_code == 410 and "5 个工作日内" in r.get_data(as_text=True)
    assert counts(app) == before and photo_files(app) == []


def test_reply_from_the_bad_rating_workflow_is_shown(app, client, bad_rating):
    from kiosk.models.cases import BadCase
    with app.app_context():
        case = db.session.scalars(sa.select(BadCase)).one()
        case.status, case.reply = "replied", "已约谈窗口负责人并完成整改。"
        db.session.commit()
    page = look_up(client, bad_rating).get_data(as_text=True)
    assert "已答复" in page and "已约谈窗口负责人并完成整改。" in page
