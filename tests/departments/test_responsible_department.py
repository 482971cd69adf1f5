"""The rating's responsible department: the item's, else the window's, fixed when rated."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Department, Hall, OutboxEntry, Rating, ServiceItem, Window
from kiosk.models.cases import BadCase
from kiosk.ratings.service import current_reasons, record_rating


@pytest.fixture
def depts(app):
    """Window A01 run by 人社; its item 530102001000 implemented by 公安."""
    with app.app_context():
        police = Department(name="五华区公安分局", credit_code="11100000000019713D",
                            region_code="530102")
        labour = Department(name="五华区人社局", credit_code="914403001922038216",
                            region_code="530102")
        db.session.add_all([police, labour])
        db.session.flush()
        item = db.session.scalars(
            sa.select(ServiceItem).where(ServiceItem.code == "530102001000")).one()
        item.department_id = police.id
        window = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
        window.department_id = labour.id
        db.session.commit()
        yield {"police": police.id, "labour": labour.id, "item": item.id}


def outbox_payload(rating_id):
    return db.session.scalars(sa.select(OutboxEntry.payload).where(
        OutboxEntry.kind == "rating", OutboxEntry.record_id == str(rating_id))).one()


def test_invited_rating_takes_the_items_department(app, depts):
    with app.app_context():
        inv = create_invitation(window_code="A01", case_no="C-1",
                                service_code="530102001000").invitation
        result = record_rating(window_code="A01", level=5, channel="touch", invitation_id=inv.id,
                               reasons=[current_reasons().items[0]["code"]])
        rating = db.session.get(Rating, result.rating.id)
        assert rating.department_id == depts["police"]
        payload = outbox_payload(rating.id)
        assert payload["dept_code"] == "11100000000019713D"
        assert payload["dept_name"] == "五华区公安分局"
        # A 差评's case is handed to the same department.
        case = db.session.scalars(sa.select(BadCase).where(BadCase.rating_id == rating.id)).one()
        assert case.department_id == depts["police"]


def test_uninvited_rating_takes_the_windows_department(app, depts):
    with app.app_context():
        result = record_rating(window_code="A01", level=1, channel="evaluator")
        assert db.session.get(Rating, result.rating.id).department_id == depts["labour"]
        assert outbox_payload(result.rating.id)["dept_code"] == "914403001922038216"


def test_item_without_department_falls_back_to_the_window(app, depts):
    with app.app_context():
        db.session.get(ServiceItem, depts["item"]).department_id = None
        db.session.commit()
        inv = create_invitation(window_code="A01", case_no="C-2",
                                service_code="530102001000").invitation
        result = record_rating(window_code="A01", level=2, channel="touch", invitation_id=inv.id)
        assert db.session.get(Rating, result.rating.id).department_id == depts["labour"]


def test_no_department_at_all_sends_the_halls_code(app):
    with app.app_context():
        hall = db.session.scalars(sa.select(Hall)).one()
        db.session.scalars(sa.select(Window).where(Window.code == "A02")).one().department_id = None
        db.session.commit()
        result = record_rating(window_code="A02", level=1, channel="evaluator")
        assert db.session.get(Rating, result.rating.id).department_id is None
        payload = outbox_payload(result.rating.id)
        assert payload["dept_code"] == hall.dept_code and payload["dept_name"] is None


def test_department_is_fixed_when_rated(app, depts):
    with app.app_context():
        first = record_rating(window_code="A01", level=1, channel="evaluator").rating.id
        window = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
        window.department_id = depts["police"]
        db.session.commit()
        second = record_rating(window_code="A01", level=1, channel="evaluator").rating.id
        assert db.session.get(Rating, first).department_id == depts["labour"]
        assert db.session.get(Rating, second).department_id == depts["police"]
