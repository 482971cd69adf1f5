"""Extensions (延期) asked and approved before the deadline by two different people, the
deadline history and the deadline in force at a time; appeals decided by someone other than
the appellant; 误评/恶意 kept but out of the statistics — in the service and the browser."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk.cases import appeals, extensions, service
from kiosk.cases.deadlines import (
    deadline_in_force,
    deadline_in_force_for,
    deadline_in_force_sql,
    rectification_due,
)
from kiosk.extensions import db
from kiosk.models import BadCase, CaseDeadline, CaseExtension, Rating, RatingExclusion
from kiosk.stats import queries
from kiosk.stats.definitions import Period
from kiosk.timeutil import to_local
from tests.cases.helpers import add_users, bad_rating, login, user
from tests.cases.test_workflow import events_for

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def ctx(app):
    add_users(app)
    with app.app_context():
        yield app


def assigned_case(handler="h1"):
    rating_id, case_id = bad_rating()
    service.assign(user("mgr"), case_id, user(handler).id, "请处理")
    return rating_id, db.session.get(BadCase, case_id)


def test_deadline_in_force_is_the_latest_effective_one():
    t0, t1, t2 = datetime(2026, 5, 1), datetime(2026, 5, 10), datetime(2026, 5, 20)
    history = [(t1, datetime(2026, 6, 30)), (t0, datetime(2026, 5, 22))]
    assert deadline_in_force(history, t0 - timedelta(seconds=1)) is None
    assert deadline_in_force(history, t0) == datetime(2026, 5, 22)
    assert deadline_in_force(history, t1 - timedelta(seconds=1)) == datetime(2026, 5, 22)
    assert deadline_in_force(history, t2) == datetime(2026, 6, 30)


def test_extension_requested_then_approved_by_another_manager(ctx):
    rating_id, case = assigned_case()
    original = case.due_at
    asked_at = original - timedelta(days=2)
    new_day = to_local(original).date() + timedelta(days=10)
    extensions.request_extension(user("h1"), case.id, new_day, "需协调不动产中心", now=asked_at)
    assert db.session.get(BadCase, case.id).due_at == original  # not before approval
    with pytest.raises(service.CaseError) as again:
        extensions.request_extension(user("h1"), case.id, new_day, "再次", now=asked_at)
    assert again.value.status == 409
    with pytest.raises(service.CaseError) as handler_approves:
        extensions.approve_extension(user("h1"), case.id, now=asked_at)
    assert handler_approves.value.status == 403
    approved_at = asked_at + timedelta(hours=3)
    case = extensions.approve_extension(user("mgr"), case.id, "同意", now=approved_at)
    assert to_local(case.due_at) == datetime.combine(new_day, datetime.max.time()).replace(
        microsecond=0)
    assert case.original_due_at == original and case.extension_reason == "需协调不动产中心"
    rows = db.session.scalars(sa.select(CaseDeadline).where(CaseDeadline.case_id == case.id)
                              .order_by(CaseDeadline.id)).all()
    assert [(r.due_at, r.effective_at, r.set_by) for r in rows] == [
        (original, case.registered_at, "system"), (case.due_at, approved_at, "mgr")]
    conn = db.session.connection()
    assert deadline_in_force_for(conn, case.id, approved_at - timedelta(seconds=1)) == original
    assert deadline_in_force_for(conn, case.id, approved_at) == case.due_at
    in_force = db.session.scalar(sa.select(deadline_in_force_sql(BadCase.id, approved_at))
                                 .where(BadCase.id == case.id))
    assert in_force == case.due_at
    after_original = original + timedelta(seconds=1)
    assert service.open_and_overdue_counts(after_original)["overdue"] == 0
    last = events_for(rating_id)[-1]
    assert (last["action"], last["from_status"], last["status"]) == (
        "approve_extension", "assigned", "assigned")
    assert last["due_at"].startswith(case.due_at.isoformat()[:19])


def test_self_approval_is_refused(ctx):
    _, case = assigned_case(handler="mgr")  # a manager handling a case of their own
    extensions.request_extension(user("mgr"), case.id, to_local(case.due_at).date()
                                 + timedelta(days=3), "材料未齐", now=case.due_at
                                 - timedelta(days=1))
    with pytest.raises(service.CaseError) as refused:
        extensions.approve_extension(user("mgr"), case.id, now=case.due_at - timedelta(days=1))
    assert refused.value.status == 403 and "自己" in refused.value.message
    assert db.session.get(BadCase, case.id).due_at == case.original_due_at
    extensions.approve_extension(user("root"), case.id, now=case.due_at - timedelta(hours=1))
    assert db.session.get(BadCase, case.id).due_at > case.original_due_at


def test_after_the_due_date_only_an_explanation_and_the_case_stays_overdue(ctx):
    _, case = assigned_case()
    late = case.due_at + timedelta(minutes=1)
    new_day = to_local(case.due_at).date() + timedelta(days=10)
    with pytest.raises(service.CaseError) as refused:
        extensions.request_extension(user("h1"), case.id, new_day, "来不及", now=late)
    assert refused.value.status == 409 and "逾期" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseExtension)) == 0
    # A request made in time lapses if nobody approved it before the deadline.
    _, timely = assigned_case()
    extensions.request_extension(user("h1"), timely.id, new_day, "需协调",
                                 now=timely.due_at - timedelta(days=1))
    with pytest.raises(service.CaseError) as lapsed:
        extensions.approve_extension(user("mgr"), timely.id,
                                     now=timely.due_at + timedelta(seconds=1))
    assert lapsed.value.status == 409
    extensions.explain_overdue(user("h1"), case.id, "等待外单位回函", now=late)
    case = db.session.get(BadCase, case.id)
    assert case.due_at == case.original_due_at
    assert service.open_and_overdue_counts(late)["overdue"] == 2
    assert [s.action for s in case.steps][-1] == "explain_overdue"
    with pytest.raises(service.CaseError):
        extensions.explain_overdue(user("h1"), timely.id, "未逾期",
                                   now=timely.due_at - timedelta(days=1))


def test_verified_malicious_is_excluded_and_marked(ctx):
    rating_id, case = assigned_case()
    day = to_local(db.session.get(Rating, rating_id).rated_at).date()
    assert queries.totals(Period(day, day)).total == 1
    service.verify(user("h1"), case.id, "malicious", "同一人反复恶意差评，有录像")
    assert queries.totals(Period(day, day)).total == 0
    excl = db.session.get(RatingExclusion, rating_id)
    assert (excl.ground, excl.source, excl.decided_by) == ("malicious", "verification", "h1")
    assert db.session.get(Rating, rating_id).excluded
    excluded = [e for e in events_for(rating_id) if e["event"] == "excluded"]
    assert len(excluded) == 1 and excluded[0]["ground"] == "malicious"
    with pytest.raises(service.CaseError):
        appeals.file_appeal(user("h1"), case.id, "已不计入")


def test_appeal_only_by_the_handler_and_never_decided_by_the_appellant(ctx):
    _, case = assigned_case(handler="mgr")
    with pytest.raises(service.CaseError) as not_handler:
        appeals.file_appeal(user("root"), case.id, "不是我的")
    assert not_handler.value.status == 403
    appeals.file_appeal(user("mgr"), case.id, "误按", ground="mistaken")
    with pytest.raises(service.CaseError) as self_decided:
        appeals.decide_appeal(user("mgr"), case.id, True, "我同意我自己")
    assert self_decided.value.status == 403 and "自己" in self_decided.value.message
    assert db.session.get(BadCase, case.id).appeal_status == "pending"
    case = appeals.decide_appeal(user("root"), case.id, True, "核实为误按")
    excl = db.session.get(RatingExclusion, case.rating_id)
    assert (excl.source, excl.decided_by, excl.appeal_id is not None) == ("appeal", "root", True)


def test_hub_decider_keeps_the_hall_from_deciding(ctx):
    ctx.config["APPEAL_DECIDER"] = "hub"
    rating_id, case = assigned_case()
    appeals.file_appeal(user("h1"), case.id, "评价人误按")
    event = [e for e in events_for(rating_id) if e["event"] == "appeal"][-1]
    assert event["decider"] == "hub" and event["appeal_id"]
    with pytest.raises(service.CaseError) as refused:
        appeals.decide_appeal(user("mgr"), case.id, True, "本级不能决定")
    assert refused.value.status == 409
    # The hub's decision, applied the way the sync daemon applies it.
    conn = db.session.connection()
    assert appeals.settle_appeal(conn, event["appeal_id"], accept=False, note="理由不充分",
                                 decided_by="hub:city-mgr", at=case.due_at
                                 - timedelta(days=1))
    assert not appeals.settle_appeal(conn, event["appeal_id"], accept=True, note="again",
                                     decided_by="hub:city-mgr", at=case.due_at)
    db.session.commit()
    case = db.session.get(BadCase, case.id)
    assert case.appeal_status == "rejected" and case.steps[-1].actor == "hub:city-mgr"


def test_browser_refuses_late_extension_and_self_decisions(app, ctx):
    _, case = assigned_case(handler="mgr")
    case.due_at = case.original_due_at = rectification_due(case.registered_at
                                                           - timedelta(days=40))
    db.session.execute(sa.update(CaseDeadline).where(CaseDeadline.case_id == case.id)
                       .values(due_at=case.due_at))
    db.session.commit()
    web = login(app, "mgr")
    page = web.get(f"/admin/cases/{case.id}").get_data(as_text=True)
    assert "new_date" not in page and "逾期说明" in page and 'id="deadlines"' in page
    r = web.post(f"/admin/cases/{case.id}/extend", {"new_date": "2099-01-01", "note": "晚了"})
    assert r.status_code == 302
    page = web.get(f"/admin/cases/{case.id}").get_data(as_text=True)
    assert "已超过整改期限" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseExtension)) == 0
    assert web.post(f"/admin/cases/{case.id}/appeal",
                    {"note": "误按", "ground": "mistaken"}).status_code == 302
    r = web.post(f"/admin/cases/{case.id}/decide_appeal", {"decision": "accept", "note": "ok"})
    assert r.status_code == 403
    db.session.expire_all()
    assert db.session.get(BadCase, case.id).appeal_status == "pending"
    other = login(app, "root")
    assert other.post(f"/admin/cases/{case.id}/decide_appeal",
                      {"decision": "accept", "note": "核实为误按"}).status_code == 302
    page = other.get(f"/admin/cases/{case.id}").get_data(as_text=True)
    assert "不计入统计" in page and "root" in page


def test_on_time_rate_counts_against_the_deadline_in_force_when_finished(ctx):
    _, extended = assigned_case()
    _, late = assigned_case()
    original = extended.due_at
    extensions.request_extension(user("h1"), extended.id, to_local(original).date()
                                 + timedelta(days=7), "需外单位协助",
                                 now=original - timedelta(days=2))
    extensions.approve_extension(user("mgr"), extended.id, now=original - timedelta(days=1))
    finished = original + timedelta(days=2)  # after the original, before the extended one
    service.verify(user("h1"), extended.id, "founded", "属实", now=finished)
    service.rectify(user("h1"), extended.id, "已整改", now=finished)
    service.verify(user("h1"), late.id, "founded", "属实", now=finished)
    service.rectify(user("h1"), late.id, "已整改", now=finished)
    counts = queries.case_counts(None, finished + timedelta(days=30))
    assert (counts.on_time, counts.due) == (1, 2)
