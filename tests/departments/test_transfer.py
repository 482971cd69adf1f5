"""转办 to a department: its handlers see the case and work it; other handlers do not see it;
a manager re-assigns. Checked through the service and through the web pages."""
import pytest
import sqlalchemy as sa

from kiosk.cases import service
from kiosk.departments.scope import department_scope, within
from kiosk.extensions import db
from kiosk.models import BadCase, Department, Rating, User, Window
from tests.cases.helpers import add_users, bad_rating, login, user


@pytest.fixture
def hall(app):
    """Window A01 belongs to 公安; h1 works for 公安, h2 for 人社; h3 has no department."""
    add_users(app)
    with app.app_context():
        police = Department(name="公安分局", credit_code="11100000000019713D")
        labour = Department(name="人社局", credit_code="914403001922038216")
        db.session.add_all([police, labour])
        db.session.flush()
        db.session.scalars(sa.select(Window).where(Window.code == "A01")).one().department_id = (
            police.id)
        user("h1").department_id = police.id
        user("h2").department_id = labour.id
        db.session.add(User(username="h3", password_hash="x", role="handler"))
        db.session.commit()
        ids = {"police": police.id, "labour": labour.id}
    return ids


def visible_ids(username):
    return [c.id for c, _r, _late in service.list_cases(user(username))]


def test_a_case_goes_to_the_ratings_department_and_only_its_handlers_see_it(app, hall):
    with app.app_context():
        _, case_id = bad_rating(window="A01")
        assert db.session.get(BadCase, case_id).department_id == hall["police"]
        assert visible_ids("h1") == [case_id]
        assert visible_ids("h2") == [] and visible_ids("h3") == []
        assert visible_ids("mgr") == [case_id] and visible_ids("aud") == [case_id]
        with pytest.raises(service.CaseError) as hidden:
            service.case_for(user("h2"), case_id)
        assert hidden.value.status == 404


def test_transfer_hands_the_case_to_another_department_whose_handler_closes_it(app, hall):
    with app.app_context():
        _, case_id = bad_rating(window="A01")
        case = service.transfer(user("mgr"), case_id, hall["labour"], "属人社业务")
        assert (case.status, case.department_id, case.assignee_id) == (
            "assigned", hall["labour"], None)
        assert visible_ids("h1") == [] and visible_ids("h2") == [case_id]
        with pytest.raises(service.CaseError):
            service.verify(user("h1"), case_id, "founded", "不是我部门的")
        h2 = user("h2")
        service.verify(h2, case_id, "founded", "属实")
        service.rectify(h2, case_id, "加开窗口")
        service.reply(h2, case_id, "已整改")
        closed = service.close(user("mgr"), case_id)
        assert closed.status == "closed"
        steps = [(s.action, s.actor) for s in closed.steps]
        assert ("transfer", "mgr") in steps and ("rectify", "h2") in steps
        # The rating keeps the department it was given when rated.
        assert db.session.get(Rating, closed.rating_id).department_id == hall["police"]


def test_assigning_a_person_moves_the_case_to_their_department(app, hall):
    with app.app_context():
        _, case_id = bad_rating(window="A01")
        case = service.assign(user("mgr"), case_id, user("h2").id)
        assert case.department_id == hall["labour"] and visible_ids("h2") == [case_id]
        assert visible_ids("h1") == []


def test_handlers_cannot_transfer_and_inactive_departments_are_refused(app, hall):
    with app.app_context():
        _, case_id = bad_rating(window="A01")
        with pytest.raises(service.CaseError) as refused:
            service.transfer(user("h1"), case_id, hall["labour"])
        assert refused.value.status == 403
        db.session.get(Department, hall["labour"]).active = False
        db.session.commit()
        with pytest.raises(service.CaseError):
            service.transfer(user("mgr"), case_id, hall["labour"])
        with pytest.raises(service.CaseError):
            service.transfer(user("mgr"), case_id, 999)


def test_web_transfer_and_what_each_handler_sees(app, hall):
    with app.app_context():
        _, case_id = bad_rating(window="A01")
    mgr = login(app, "mgr")
    page = mgr.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "转办到部门" in page and "人社局" in page
    r = mgr.post(f"/admin/cases/{case_id}/transfer", {"department_id": str(hall["labour"]),
                                                      "note": "请人社处理"})
    assert r.status_code == 302
    h2, h1 = login(app, "h2"), login(app, "h1")
    assert f"#{case_id}<" in h2.get("/admin/cases").get_data(as_text=True)
    assert h2.get(f"/admin/cases/{case_id}").status_code == 200
    assert f"#{case_id}<" not in h1.get("/admin/cases").get_data(as_text=True)
    assert h1.get(f"/admin/cases/{case_id}").status_code == 404
    assert h2.post(f"/admin/cases/{case_id}/transfer",
                   {"department_id": str(hall["police"])}).status_code == 403
    with app.app_context():
        assert db.session.get(BadCase, case_id).department_id == hall["labour"]


def test_department_scope(app, hall):
    with app.app_context():
        assert department_scope(user("mgr")) is None
        assert department_scope(user("aud")) is None
        assert department_scope(user("h1")) == frozenset({hall["police"]})
        assert department_scope(user("h3")) == frozenset()
        assert department_scope(None) == frozenset()
        _, case_id = bad_rating(window="A01")
        count = sa.select(sa.func.count()).select_from(BadCase)
        for name, expected in (("mgr", 1), ("h1", 1), ("h2", 0), ("h3", 0)):
            scoped = count.where(within(BadCase.department_id, department_scope(user(name))))
            assert db.session.scalar(scoped) == expected, name
        assert case_id
