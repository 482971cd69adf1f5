"""The 差评 workflow end to end: steps, history, outbox events, audit, roles, deadlines."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk.cases import appeals, service
from kiosk.cases.deadlines import rectification_due
from kiosk.cases.public import handling_status
from kiosk.extensions import db
from kiosk.models import AuditLog, BadCase, CaseStep, OutboxEntry, Rating
from kiosk.stats import queries
from kiosk.stats.definitions import Period
from kiosk.timeutil import to_local, to_utc
from tests.cases.helpers import add_users, bad_rating, login, user

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def ctx(app):
    add_users(app)
    with app.app_context():
        yield app


def events_for(rating_id) -> list[dict]:
    rows = db.session.scalars(sa.select(OutboxEntry).where(OutboxEntry.kind == "rating_event")
                              .order_by(OutboxEntry.id))
    return [r.payload for r in rows if r.payload["rating_id"] == str(rating_id)]


def run_to_replied(case_id, handler="h1"):
    mgr, h = user("mgr"), user(handler)
    service.assign(mgr, case_id, h.id, "请核实")
    service.verify(h, case_id, "founded", "属实：等候过久")
    service.rectify(h, case_id, "增加午间窗口")
    return service.reply(h, case_id, "已增加午间窗口，感谢监督。")


def test_a_bad_rating_opens_a_case_in_its_own_commit(ctx):
    rating_id, case_id = bad_rating()
    case = db.session.get(BadCase, case_id)
    assert case.status == "registered" and case.due_at == rectification_due(case.registered_at)
    assert [s.action for s in case.steps] == ["register"]
    assert [e["status"] for e in events_for(rating_id)] == ["registered"]
    good = record_good()
    assert db.session.scalar(sa.select(BadCase).where(BadCase.rating_id == good)) is None


def record_good():
    from kiosk.ratings.service import record_rating

    return record_rating(window_code="A01", level=1, channel="touch").rating.id


def test_full_workflow_keeps_history_events_and_audit(ctx):
    rating_id, case_id = bad_rating(phone="13812345678")
    assert handling_status(rating_id) == ("已登记，正在处理", None)
    run_to_replied(case_id)
    assert handling_status(rating_id) == ("已答复", "已增加午间窗口，感谢监督。")
    with pytest.raises(service.CaseError) as refused:
        service.close(user("mgr"), case_id)
    assert refused.value.status == 409 and "回访" in refused.value.message
    service.revisit(user("mgr"), case_id, "satisfied", "电话回访，群众满意")
    case = service.close(user("mgr"), case_id, "办结")
    assert case.status == "closed"
    steps = db.session.scalars(sa.select(CaseStep).where(CaseStep.case_id == case_id)
                               .order_by(CaseStep.id)).all()
    assert [(s.action, s.actor, s.to_status) for s in steps] == [
        ("register", "system", "registered"), ("assign", "mgr", "assigned"),
        ("verify", "h1", "verified"), ("rectify", "h1", "rectified"),
        ("reply", "h1", "replied"), ("revisit", "mgr", "revisited"),
        ("close", "mgr", "closed"),
    ]
    assert [e["status"] for e in events_for(rating_id)] == [
        "registered", "assigned", "verified", "rectified", "replied", "revisited", "closed"]
    assert all("13812345678" not in str(e) for e in events_for(rating_id))
    audits = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.entity == "bad_case"))
    assert list(audits) == ["case_assign", "case_verify", "case_rectify", "case_reply",
                            "case_revisit", "case_close"]
    status, reply = handling_status(str(rating_id))
    assert status == "已办结" and "138" not in status + reply


def test_anonymous_case_closes_after_reply_and_unfounded_skips_rectification(ctx):
    _, case_id = bad_rating()
    mgr = user("mgr")
    service.assign(mgr, case_id, user("h1").id)
    service.verify(user("h1"), case_id, "unfounded", "监控显示按规定办理")
    with pytest.raises(service.CaseError):
        service.rectify(user("h1"), case_id, "无")
    case = service.reply(user("h1"), case_id, "经核实，按规定办理。")
    assert case.done_at is not None
    assert service.close(mgr, case_id).status == "closed"


def test_deadline_spans_national_day_and_its_make_up_saturday(ctx):
    # Registered Tue 2026-09-29: 9-30, then 10-01..07 off, 10-10 (Sat) is a 调休 workday.
    registered = to_utc(datetime(2026, 9, 29, 10, 0))
    assert to_local(rectification_due(registered)) == datetime(2026, 10, 26, 23, 59, 59)
    # From Fri 10-09 the make-up Saturday is the first working day: due Thu 10-29, not Fri.
    registered = to_utc(datetime(2026, 10, 9, 16, 0))
    assert to_local(rectification_due(registered)) == datetime(2026, 10, 29, 23, 59, 59)
    # Just after local midnight (still the previous day in UTC) counts from the local day.
    registered = to_utc(datetime(2026, 10, 9, 0, 30))
    assert registered.day == 8
    assert to_local(rectification_due(registered)).date() == date(2026, 10, 29)


def test_overdue_flag(ctx):
    _, case_id = bad_rating()
    case = db.session.get(BadCase, case_id)
    after_due = case.due_at + timedelta(seconds=1)
    assert service.open_and_overdue_counts(case.due_at) == {"open": 1, "overdue": 0}
    assert service.open_and_overdue_counts(after_due) == {"open": 1, "overdue": 1}
    mgr = user("mgr")
    assert [c.id for c, _, late in service.list_cases(mgr, overdue=True, now=after_due)] == [
        case_id]


def test_accepted_appeal_excludes_the_rating_from_statistics_but_keeps_it(ctx):
    rating_id, case_id = bad_rating()
    today = to_local(db.session.get(Rating, rating_id).rated_at).date()
    period = Period(today, today)
    assert queries.totals(period).counts == (0, 0, 0, 0, 1)
    mgr = user("mgr")
    service.assign(mgr, case_id, user("h1").id)
    appeals.file_appeal(user("h1"), case_id, "评价人误按")
    with pytest.raises(service.CaseError):
        appeals.decide_appeal(user("h1"), case_id, True, "handler may not decide")
    case = appeals.decide_appeal(mgr, case_id, True, "监控核实为误按")
    assert case.status == "closed" and case.appeal_status == "accepted"
    rating = db.session.get(Rating, rating_id)
    assert rating is not None and rating.excluded
    assert queries.totals(period).total == 0
    assert queries.case_counts(period, datetime(2030, 1, 1)).cases == 0
    assert [e["event"] for e in events_for(rating_id)][-3:] == [
        "appeal_decided", "excluded", "case_status"]
    assert handling_status(rating_id)[1] is None


def test_rejected_appeal_keeps_the_case_going(ctx):
    rating_id, case_id = bad_rating()
    mgr = user("mgr")
    service.assign(mgr, case_id, user("h1").id)
    appeals.file_appeal(user("h1"), case_id, "理由")
    case = appeals.decide_appeal(mgr, case_id, False, "理由不充分")
    assert case.appeal_status == "rejected" and case.status == "assigned"
    assert not db.session.get(Rating, rating_id).excluded
    with pytest.raises(service.CaseError):
        appeals.file_appeal(user("h1"), case_id, "再次申诉")


def test_handler_sees_only_own_cases(app, ctx):
    _, mine = bad_rating()
    _, theirs = bad_rating(window="A02")
    mgr = user("mgr")
    service.assign(mgr, mine, user("h1").id)
    service.assign(mgr, theirs, user("h2").id)
    h1 = user("h1")
    assert [c.id for c, _, _ in service.list_cases(h1)] == [mine]
    with pytest.raises(service.CaseError) as hidden:
        service.case_for(h1, theirs)
    assert hidden.value.status == 404
    with pytest.raises(service.CaseError):
        service.verify(h1, theirs, "founded", "not mine")
    web = login(app, "h1")
    assert web.get(f"/admin/cases/{mine}").status_code == 200
    assert web.get(f"/admin/cases/{theirs}").status_code == 404
    listing = web.get("/admin/cases").get_data(as_text=True)
    assert f"#{mine}<" in listing and f"#{theirs}<" not in listing
    r = web.post(f"/admin/cases/{theirs}/verify", {"outcome": "founded", "note": "x"})
    assert r.status_code == 404
    assert db.session.get(BadCase, theirs).status == "assigned"
    # Nor can a handler assign, close or take over.
    r = web.post(f"/admin/cases/{mine}/assign", {"assignee_id": str(h1.id)})
    assert r.status_code == 403
    assert web.get("/admin/stats").status_code == 403


def test_auditor_reads_everything_and_changes_nothing(app, ctx):
    _, case_id = bad_rating()
    web = login(app, "aud")
    assert web.get("/admin/cases").status_code == 200
    page = web.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert 'action="/admin/cases/' not in page  # no step forms
    assert web.get("/admin/cases/ledger.xlsx").status_code == 200
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CaseStep))
    for action in ("assign", "verify", "close", "appeal", "extend"):
        r = web.post(f"/admin/cases/{case_id}/{action}", {"assignee_id": "1", "note": "x"})
        assert r.status_code == 403, action
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseStep)) == before
    assert db.session.get(BadCase, case_id).status == "registered"
    assert not service.may_act(user("aud"), db.session.get(BadCase, case_id), "verify")


def test_web_steps_and_error_messages(app, ctx):
    _, case_id = bad_rating(phone="13912345678")
    web = login(app, "mgr")
    page = web.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page
    h1 = user("h1").id
    r = web.post(f"/admin/cases/{case_id}/assign", {"assignee_id": str(h1), "note": "请处理"})
    assert r.status_code == 302
    r = web.post(f"/admin/cases/{case_id}/verify", {"outcome": "", "note": ""})
    page = web.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "请选择核实结果" in page
    assert db.session.get(BadCase, case_id).status == "assigned"



def test_a_handler_of_the_cases_department_reveals_the_phone_and_the_read_is_logged(app, ctx):
    from kiosk.models import Department, PhoneAccessLog

    dept = Department(name="五华区公安分局", credit_code="11100000000019713D",
                      region_code="530102")
    db.session.add(dept)
    db.session.flush()
    for name in ("h1", "h2"):
        user(name).department_id = dept.id if name == "h1" else None
    db.session.commit()
    _, case_id = bad_rating(phone="13912345678")
    service.transfer(user("mgr"), case_id, dept.id, "公安负责")  # nobody holds it by name
    assert db.session.get(BadCase, case_id).assignee_id is None
    web = login(app, "h1")
    page = web.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page  # masked by default
    r = web.post(f"/admin/cases/{case_id}/phone", {"reason": "回访"},
                 token_from=f"/admin/cases/{case_id}")
    assert r.status_code == 200 and 'id="phone-full">13912345678<' in r.get_data(as_text=True)
    logged = db.session.scalars(sa.select(PhoneAccessLog)).all()
    assert [(x.username, x.reason) for x in logged] == [("h1", "回访")]
    # A handler of no department (or another one) neither sees the case nor its number.
    other = login(app, "h2")
    assert other.post(f"/admin/cases/{case_id}/phone", {"reason": "回访"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PhoneAccessLog)) == 1
