"""The whole 差评 loop to every provincial profile over real HTTP: each 整改 status change
with its rectification code, the 补充评价 as the second assessment, exclusions, nothing sent
twice; events wait for their rating; refusals end in dead letters that `sync dead` lists
and releases; a garbled answer is a failure to deliver, never a refusal."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk.cases import appeals, extensions, service
from kiosk.extensions import db
from kiosk.mobile.supplements import add_supplement
from kiosk.models import BadCase, Rating
from kiosk.sync import delivery_store as ds
from kiosk.sync.worker import drain
from kiosk.timeutil import to_local
from tests.cases.helpers import add_users, user
from tests.interop.conftest import entry_for, invited_rating, later, worker_for

pytestmark = pytest.mark.timeout(60)

CODE_FIELDS = {  # receiver → (field naming the rating, field holding the code)
    "national": ("评价编号", "整改状态"), "zhejiang": ("evalId", "rectifyStatus"),
    "fujian": ("EVALUATEID", "RECTIFYSTATUS"), "anhui": ("evalId", "rectifyStatus"),
}
ASSESS_FIELD = {"national": "评价次数", "zhejiang": "assessNumber", "fujian": "EVALUATETYPE",
                "anhui": "assessNumber"}


def case_of(rating_id: str) -> BadCase:
    return db.session.scalars(sa.select(BadCase).where(
        BadCase.rating_id == uuid.UUID(rating_id))).one()


def run_the_loop(app, now):
    """A 差评 handled to the end with an extension and a supplement; a rejected appeal; a
    差评 verified as malicious. Returns the three rating ids."""
    handled, _ = invited_rating(app, level=5, reasons=["R01"], comment="等了两个小时")
    appealed, _ = invited_rating(app, level=4, reasons=["R02"])
    malicious, _ = invited_rating(app, level=5, reasons=["R03"])
    with app.app_context():
        mgr, h1 = user("mgr"), user("h1")
        case = case_of(handled)
        service.assign(mgr, case.id, h1.id, "请整改")
        service.assign(mgr, case.id, h1.id, "再次转办")  # not news for the province
        extensions.request_extension(h1, case.id, to_local(case.due_at).date()
                                     + timedelta(days=5), "需协调", now=now)
        extensions.approve_extension(mgr, case.id, "同意", now=now)
        service.verify(h1, case.id, "founded", "属实")
        service.rectify(h1, case.id, "增加窗口")
        service.reply(h1, case.id, "已整改")
        service.revisit(mgr, case.id, "satisfied", "电话回访")
        rating = db.session.get(Rating, uuid.UUID(handled))
        add_supplement(app.instance_path, rating, "后来又去办了一次，快多了", [],
                       now=rating.rated_at + timedelta(hours=2))
        other = case_of(appealed)
        service.assign(mgr, other.id, h1.id)
        appeals.file_appeal(h1, other.id, "评价人误按")
        appeals.decide_appeal(mgr, other.id, False, "证据不足")
        bad = case_of(malicious)
        service.assign(mgr, bad.id, h1.id)
        service.verify(h1, bad.id, "malicious", "录像显示恶意")
    return handled, appealed, malicious


@pytest.mark.parametrize("receiver_name", ["national", "zhejiang", "fujian", "anhui"])
def test_every_status_change_supplement_and_exclusion_once(app, request, receiver_name):
    receiver = request.getfixturevalue(receiver_name)
    add_users(app)
    entry = entry_for(app, "province", receiver)
    handled, appealed, malicious = run_the_loop(app, later())
    worker = worker_for(app, entry)
    try:
        with app.app_context():
            first = drain(worker, clock=lambda: later(1))
            again = drain(worker, clock=lambda: later(120))
    finally:
        worker.close()
    assert first.error is None and first.refused == 0 and first.held == 0, first
    assert again.accepted == 0 and again.taken == 0
    rating_field, code_field = CODE_FIELDS[receiver_name]
    assert receiver.codes_for(handled, rating_field, code_field) == ["20", "3", "21", "999"]
    assert receiver.codes_for(appealed, rating_field, code_field) == ["20", "10", "12"]
    assert receiver.codes_for(malicious, rating_field, code_field) == ["20", "11"]
    assert [r[ASSESS_FIELD[receiver_name]] for r in receiver.received].count(
        2 if receiver_name == "national" else "2") == 1
    assert len(receiver.received) == 4 and len(receiver.events) == 9
    assert set(receiver.hits.values()) == {1}, receiver.hits  # nothing twice
    with app.app_context():
        counts = ds.counts(db.engine, "province")
    assert counts["accepted"] == 13 and counts["pending"] == counts["failed"] == 0


def test_an_event_waits_for_its_rating_to_be_accepted(app, national):
    add_users(app)
    entry = entry_for(app, "nation", national)
    rid, _ = invited_rating(app, level=5, reasons=["R01"])
    with app.app_context():
        service.assign(user("mgr"), case_of(rid).id, user("h1").id)
    national.down = True
    worker = worker_for(app, entry)
    try:
        with app.app_context():
            assert worker.run_once(later(1)).error  # the rating failed: 补报 in 30 s
            national.down = False
            early = worker.run_once(later(5))  # only the event is due: it must wait
            assert (early.taken, early.accepted) == (1, 0) and national.events == []
            assert worker.run_once(later(32)).accepted == 1  # the rating
            assert national.events == []
            assert worker.run_once(later(40)).accepted == 1  # then its event
    finally:
        worker.close()
    assert national.codes_for(rid, "评价编号", "整改状态") == ["20"]
    assert national.refusals == []


def test_refused_records_go_dead_and_are_released(app, zhejiang):
    entry = entry_for(app, "province", zhejiang, key="wrong-secret", max_refusals=2)
    rid, _ = invited_rating(app)
    worker = worker_for(app, entry)
    try:
        with app.app_context():
            assert worker.run_once(later(1)).refused == 1
            assert ds.delivery_of(db.engine, "province", rid).status == "failed"
            second = worker.run_once(later(40))  # its 补报 after the backoff
            assert (second.refused, second.dead) == (1, 1)
            row = ds.delivery_of(db.engine, "province", rid)
            assert (row.status, row.refusals, row.next_attempt_at) == ("dead", 2, None)
            assert worker.run_once(later(4000)).taken == 0  # dead letters are not retried
    finally:
        worker.close()
    app.config["UPSTREAMS"] = [entry_for(app, "province", zhejiang)]  # the key corrected
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["sync", "dead"]).output
    assert "province" in listed and rid in listed and "2 refusals" in listed
    assert "need --upstream" in runner.invoke(args=["sync", "dead", "--release", "1"]).output
    out = runner.invoke(args=["sync", "dead", "--release", "--upstream", "province"]).output
    assert "1 rows queued again" in out
    worker = worker_for(app, app.config["UPSTREAMS"][0])
    try:
        with app.app_context():
            assert worker.run_once(later(4001)).accepted == 1
    finally:
        worker.close()
    assert zhejiang.hits[rid] == 1 and len(zhejiang.received) == 1


def test_garbled_answer_is_a_failure_not_a_refusal(app, anhui):
    entry = entry_for(app, "province", anhui, max_refusals=1)
    rid, _ = invited_rating(app)
    anhui.garble = True
    worker = worker_for(app, entry)
    try:
        with app.app_context():
            r = worker.run_once(later(1))
            assert r.error and "not JSON" in r.error and (r.refused, r.dead) == (0, 0)
            row = ds.delivery_of(db.engine, "province", rid)
            assert row.status == "failed" and row.refusals == 0
            anhui.garble = False
            assert worker.run_once(later(40)).accepted == 1
    finally:
        worker.close()


def test_anhui_without_source_is_not_configured(app, anhui):
    from kiosk.sync.settings import NotConfigured
    from kiosk.sync.upstreams import load_one

    entry = entry_for(app, "province", anhui)
    entry["options"] = {}
    with app.app_context(), pytest.raises(NotConfigured, match="source"):
        load_one(app, entry)
