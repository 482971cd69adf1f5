"""The whole 差评 loop, end to end: a citizen invited at 10:00 leaves, opens the link from
the receipt two working days later and rates 不满意 with a reason; the case opens; it is
handed over, extended before its due date by an approved request, rectified and revisited;
the province (a strict receiver over HTTP) receives the rating and each status change once,
and the hub (PostgreSQL, over HTTP) shows the same. Late extensions and self-decided appeals
are refused in the browser and the JSON API."""
import re
import uuid
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import BadCase, HubRating, HubRatingEvent, Rating
from kiosk.models.base import utcnow
from kiosk.sync.daemon import build_workers
from kiosk.sync.worker import drain
from kiosk.timeutil import to_local, to_utc
from kiosk.workdays import is_workday
from tests.cases.helpers import add_users, login, user
from tests.hubkit import configure_hall
from tests.interop.conftest import SERVICE, STAFF, entry_for
from tests.later.helpers import invite, invited_at, link_path
from tests.mobile.test_mobile_rating import post_rating

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def two_working_days_ago_at_ten() -> datetime:
    """10:00 hall time on the working day two working days before today."""
    day, back = to_local(utcnow()).date(), 0
    while back < 2:
        day -= timedelta(days=1)
        back += is_workday(day)
    return datetime.combine(day, time(10, 0))


def sync_all(app, later_by: float = 0):
    """Every upstream once, until nothing is due; returns {name: SyncResult}."""
    with app.app_context():
        workers = build_workers(app, db.engine)
        try:
            return {u.name: drain(w, clock=lambda: utcnow() + timedelta(seconds=later_by))
                    for u, w in workers}
        finally:
            for _, w in workers:
                w.close()


def json_step(web, case_id, action, body):
    token = TOKEN.search(web.get(f"/admin/cases/{case_id}").get_data(as_text=True)).group(1)
    return web.c.post(f"/admin/cases/{case_id}/{action}", json=body,
                      headers={"X-CSRFToken": token})


def test_rated_later_handled_extended_rectified_revisited_reaches_province_and_hub(
        app, client, api_headers, hub_app, hub_url, hall_key, zhejiang):
    configure_hall(app, hub_url, hall_key)
    app.config["UPSTREAMS"] = [{"name": "city-hub", "profile": "hub"},
                               entry_for(app, "province", zhejiang)]
    add_users(app)
    body = invite(client, api_headers, case_no="2026-YN-LOOP-01", window="A01",
                  service_code=SERVICE, staff_no=STAFF)
    invited_at(app, body["id"], two_working_days_ago_at_ten())
    r = post_rating(client, link_path(body), level=4, reasons=["R01"], comment="材料被退回三次")
    assert r.status_code == 302
    with app.app_context():
        rating = db.session.scalars(sa.select(Rating)).one()
        assert (rating.channel, rating.level) == ("later", 4)
        case = db.session.scalars(sa.select(BadCase)).one()
        rating_id, case_id, original_due = str(rating.id), case.id, case.due_at
        h1_id = user("h1").id

    mgr, h1 = login(app, "mgr"), login(app, "h1")
    assert mgr.post(f"/admin/cases/{case_id}/assign",
                    {"assignee_id": str(h1_id), "note": "请窗口整改"}).status_code == 302
    new_day = (to_local(original_due).date() + timedelta(days=10)).isoformat()
    assert h1.post(f"/admin/cases/{case_id}/extend",
                   {"new_date": new_day, "note": "需不动产中心配合"}).status_code == 302
    refused = json_step(h1, case_id, "approve_extension", {"note": "我批我自己"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    approved = json_step(mgr, case_id, "approve_extension", {"note": "同意"})
    assert approved.status_code == 200, approved.get_json()
    extended_due = approved.get_json()["due_at"]
    assert [d["set_by"] for d in approved.get_json()["deadlines"]] == ["system", "mgr"]
    for action, data in (("verify", {"outcome": "founded", "note": "属实"}),
                         ("rectify", {"note": "一次性告知材料清单"}),
                         ("reply", {"note": "已整改，感谢监督"})):
        assert h1.post(f"/admin/cases/{case_id}/{action}", data).status_code == 302
    assert mgr.post(f"/admin/cases/{case_id}/revisit",
                    {"result": "satisfied", "note": "电话回访"}).status_code == 302
    page = mgr.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert 'id="deadlines"' in page and "需不动产中心配合" in page

    first = sync_all(app)
    assert all(r.error is None for r in first.values()), first
    sync_all(app, later_by=60)  # events whose rating was sent in the same run
    again = sync_all(app, later_by=4000)
    assert all(r.accepted == 0 for r in again.values()), again

    (sent,) = zhejiang.received
    assert (sent["projectNo"], sent["satisfaction"], sent["evalDetail"], sent["pf"]) == (
        "2026-YN-LOOP-01", "2", "R01", "2")
    assert zhejiang.codes_for(rating_id, "evalId", "rectifyStatus") == ["20", "3", "21", "999"]
    assert set(zhejiang.hits.values()) == {1} and zhejiang.refusals == []
    postponed = [e for e in zhejiang.events if e["rectifyStatus"] == "3"][0]
    assert postponed["rectifyDeadline"] == to_local(
        datetime.fromisoformat(extended_due.replace("Z", ""))).strftime("%Y-%m-%d %H:%M:%S")

    with hub_app.app_context():
        hub_row = db.session.get(HubRating, uuid.UUID(rating_id))
        assert (hub_row.level, hub_row.channel, hub_row.case_status) == (4, "later", "revisited")
        assert hub_row.case_due_at.isoformat() == extended_due.replace("Z", "")
        statuses = db.session.scalars(sa.select(HubRatingEvent.status).where(
            HubRatingEvent.rating_id == hub_row.id, HubRatingEvent.event == "case_status")
            .order_by(HubRatingEvent.at)).all()
        assert statuses == ["registered", "assigned", "assigned", "verified", "rectified",
                            "replied", "revisited"]
        db.session.remove()


def test_late_extension_and_self_decided_appeal_are_refused_in_the_json_api(app):
    from tests.cases.helpers import bad_rating

    add_users(app)
    with app.app_context():
        _, case_id = bad_rating()
        case = db.session.get(BadCase, case_id)
        case.assignee_id = user("mgr").id
        late = to_utc(datetime(2020, 1, 6, 23, 59, 59))  # long past
        case.due_at = case.original_due_at = late
        db.session.execute(sa.text("UPDATE case_deadline SET due_at = :d WHERE case_id = :c"),
                           {"d": late, "c": case_id})
        db.session.commit()
    mgr = login(app, "mgr")
    r = json_step(mgr, case_id, "extend", {"new_date": "2099-01-01", "note": "晚了"})
    assert r.status_code == 409 and "已超过整改期限" in r.get_json()["message"]
    assert json_step(mgr, case_id, "appeal", {"note": "误按", "ground": "mistaken"}
                     ).status_code == 200
    r = json_step(mgr, case_id, "decide_appeal", {"decision": "accept", "note": "同意"})
    assert r.status_code == 403 and "自己" in r.get_json()["message"]
    with app.app_context():
        case = db.session.get(BadCase, case_id)
        assert case.appeal_status == "pending" and case.due_at == late
        assert not db.session.get(Rating, case.rating_id).excluded
