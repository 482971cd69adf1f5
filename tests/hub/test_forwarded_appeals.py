"""An appeal forwarded to the hub (APPEAL_DECIDER = "hub"): the hall cannot decide it, the
hub's manager does, the decision flows down through the hall's config fetch, the hall
applies it once (rating excluded, case closed), and its event marks it applied at the hub.
Another hall never sees it."""
import uuid

import pytest
import sqlalchemy as sa

from kiosk.auth.cli import create_user
from kiosk.cases import appeals, service
from kiosk.extensions import db
from kiosk.hub.forwarded_appeals import decisions_for
from kiosk.models import BadCase, HubAppeal, HubRating, Rating, RatingExclusion
from kiosk.models.base import utcnow
from kiosk.sync import settings
from kiosk.sync.worker import Worker, drain
from tests.cases.helpers import add_users, bad_rating, user
from tests.hubkit import HALL_CODE, configure_hall

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


def sync(hall):
    with hall.app_context():
        worker = Worker(db.engine, settings.load(hall))
        worker.config_due_at = None  # fetch the published config on this run
        try:
            return drain(worker)
        finally:
            worker.close()


def hub_login(hub_app):
    with hub_app.app_context():
        create_user("cityboss", "correct horse battery staple", "manager")
    hub_app.config["WTF_CSRF_ENABLED"] = False
    client = hub_app.test_client()
    r = client.post("/login", data={"username": "cityboss",
                                    "password": "correct horse battery staple"})
    assert r.status_code == 302
    return client


def test_hub_decides_a_forwarded_appeal_and_it_flows_down(app, hub_app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key, APPEAL_DECIDER="hub")
    add_users(app)
    with app.app_context():
        rating_id, case_id = bad_rating()
        service.assign(user("mgr"), case_id, user("h1").id)
        appeals.file_appeal(user("h1"), case_id, "评价人按错键，已电话确认", ground="mistaken")
        with pytest.raises(service.CaseError):
            appeals.decide_appeal(user("mgr"), case_id, True, "本级决定")
    assert sync(app).error is None
    with hub_app.app_context():
        (forwarded,) = db.session.scalars(sa.select(HubAppeal)).all()
        assert (forwarded.origin_hall, forwarded.status, forwarded.filed_by) == (
            HALL_CODE, "pending", "h1")
        assert decisions_for(HALL_CODE) == []
        db.session.remove()
    web = hub_login(hub_app)
    page = web.get("/hub/appeals").get_data(as_text=True)
    assert "评价人按错键" in page and str(forwarded.id) in page
    assert "办事效率低、业务不熟练" in page and ">R01<" not in page  # the reason's text
    assert "Very dissatisfied" in web.get("/hub/appeals?lang=en").get_data(as_text=True)
    web.get("/hub/appeals?lang=zh_CN")
    r = web.post(f"/hub/appeals/{forwarded.id}", data={"decision": "accept", "note": ""})
    assert r.status_code == 302  # no note: refused with a message, nothing decided
    with hub_app.app_context():
        assert db.session.get(HubAppeal, forwarded.id).status == "pending"
        db.session.remove()
    r = web.post(f"/hub/appeals/{forwarded.id}",
                 data={"decision": "accept", "note": "经复核为误评"})
    assert r.status_code == 302
    with hub_app.app_context():
        assert decisions_for("OTHER-HALL") == []
        (down,) = decisions_for(HALL_CODE)
        assert down["accepted"] is True and down["decided_by"] == "cityboss"
        db.session.remove()

    assert sync(app).error is None  # fetches the decision, applies it, reports back
    with app.app_context():
        case = db.session.get(BadCase, case_id)
        assert (case.status, case.appeal_status) == ("closed", "accepted")
        excl = db.session.get(RatingExclusion, rating_id)
        assert (excl.source, excl.decided_by) == ("appeal", "hub:cityboss")
        assert db.session.get(Rating, rating_id).excluded
    assert sync(app).error is None  # the hall's events reach the hub
    with hub_app.app_context():
        forwarded = db.session.get(HubAppeal, forwarded.id)
        assert forwarded.applied_at is not None and decisions_for(HALL_CODE) == []
        assert db.session.get(HubRating, uuid.UUID(str(rating_id))).excluded
        db.session.remove()
    assert sync(app).error is None  # applied once: a later fetch changes nothing
    with app.app_context():
        steps = [s.action for s in db.session.get(BadCase, case_id).steps]
        assert steps.count("decide_appeal") == 1


def test_a_hall_decided_appeal_is_not_the_hubs_to_decide(app, hub_app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key)  # the hall manager decides
    add_users(app)
    with app.app_context():
        _, case_id = bad_rating()
        service.assign(user("mgr"), case_id, user("h1").id)
        appeals.file_appeal(user("h1"), case_id, "误按")
        (appeal,) = appeals.appeals_of(case_id)
        appeal_id = str(appeal.id)
    sync(app)
    with hub_app.app_context():
        assert db.session.scalars(sa.select(HubAppeal)).all() == []
        db.session.remove()
    with app.app_context():  # a forged decision in the config is ignored
        conn = db.session.connection()
        assert appeals.apply_hub_decisions(conn, [
            {"appeal_id": appeal_id, "accepted": True, "decided_by": "x"}], utcnow()) == 0
        db.session.rollback()
        assert db.session.get(BadCase, case_id).appeal_status == "pending"
