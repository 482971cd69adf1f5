"""Every profile over real HTTP against its strict reference receiver: mapping, signing or
encryption, the receipt stored, re-submission after a failure, and held records."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Hall, Rating
from kiosk.ratings.service import record_rating
from kiosk.sync import delivery_store as ds
from tests.interop.conftest import SERVICE, STAFF, entry_for, invited_rating, later, worker_for

pytestmark = pytest.mark.timeout(30)


def delivery(app, name, record_id):
    with app.app_context():
        return ds.delivery_of(db.engine, name, record_id)


def send(app, entry, now=None):
    worker = worker_for(app, entry)
    try:
        with app.app_context():
            return worker.run_once(now or later())
    finally:
        worker.close()


@pytest.mark.parametrize("receiver_name", ["national", "zhejiang", "fujian"])
def test_very_satisfied_arrives_with_receipt(app, request, receiver_name):
    receiver = request.getfixturevalue(receiver_name)
    entry = entry_for(app, "up", receiver)
    rid, case_no = invited_rating(app, level=1)
    result = send(app, entry)
    assert (result.accepted, result.failed, result.held, result.error) == (1, 0, 0, None)
    got = receiver.received[0]
    expected = {
        "national": {"办件编号": case_no, "满意度代码": "1", "评价渠道": "政务大厅其他终端"},
        "zhejiang": {"projectNo": case_no, "satisfaction": "5", "pf": "5", "taskCode": SERVICE,
                     "proManager": STAFF, "areaCode": "530102"},
        "fujian": {"PROJECTNO": case_no, "SATISFACTION": "5", "PF": "4", "BUSINESSCODE": SERVICE,
                   "REGIONCODE": "530102"},
        "anhui": {"projectNo": case_no, "satisfaction": "5", "pf": "5", "taskCode": SERVICE,
                  "source": "HALL530102", "version": "2", "assessNumber": "1"},
    }[receiver_name]
    assert {k: got[k] for k in expected} == expected
    row = delivery(app, "up", rid)
    assert row.status == "accepted" and row.receipt_id == receiver.receipts[rid]


@pytest.mark.parametrize("receiver_name", ["national", "zhejiang", "fujian"])
def test_wrong_key_is_refused_and_kept_failed(app, request, receiver_name):
    receiver = request.getfixturevalue(receiver_name)
    wrong = "ffeeddccbbaa99887766554433221100" if receiver_name == "fujian" else "wrong"
    entry = entry_for(app, "up", receiver, key=wrong)
    rid, _ = invited_rating(app)
    result = send(app, entry)
    assert result.failed == 1 and receiver.received == [] and receiver.refusals
    row = delivery(app, "up", rid)
    assert row.status == "failed" and row.receipt_id is None and "refused by up" in row.last_error


def test_resubmission_after_the_upstream_was_down(app, fujian):
    entry = entry_for(app, "province", fujian)
    ids = [invited_rating(app)[0] for _ in range(3)]
    fujian.down = True
    now = later()
    first = send(app, entry, now)
    assert first.error and first.failed == 1  # stops at the first: no hammering a down host
    assert delivery(app, "province", ids[0]).status == "failed"
    fujian.down = False
    soon = send(app, entry, now + timedelta(seconds=1))  # the failed one waits its backoff
    assert soon.accepted == 2 and delivery(app, "province", ids[0]).status == "failed"
    retry = send(app, entry, now + timedelta(seconds=31))  # 补报
    assert retry.accepted == 1
    rows = [delivery(app, "province", i) for i in ids]
    assert all(r.status == "accepted" and r.receipt_id for r in rows)
    assert rows[0].attempts == 2 and len(fujian.received) == 3


def test_held_records_with_reasons_never_sent(app, zhejiang):
    entry = entry_for(app, "province", zhejiang)
    before, _ = invited_rating(app, rated_offset=timedelta(minutes=-10))
    with app.app_context():
        uninvited = str(record_rating(window_code="A02", level=2, channel="evaluator",
                                      source_ref="t:uninvited").rating.id)
        db.session.execute(sa.update(Hall).values(region_code="5301"))
        db.session.commit()
    narrow, _ = invited_rating(app)
    result = send(app, entry)
    assert (result.held, result.accepted) == (3, 0) and zhejiang.received == []
    with app.app_context():
        held = {h["record_id"]: h["reason"] for h in ds.held_records(db.engine, "province")}
        stored_time = db.session.get(Rating, uuid.UUID(before)).rated_at
    assert "before the service" in held[before]
    assert "missing case_no (办件编号)" in held[uninvited]
    assert "region_code '5301' must be 6 digits" in held[narrow]
    with app.app_context():  # never altered to pass
        assert db.session.get(Rating, uuid.UUID(before)).rated_at == stored_time
    out = app.test_cli_runner().invoke(args=["sync", "held"])
    assert "before the service" in out.output and "province" in out.output


def test_status_shows_each_upstream(app, national, fujian):
    app.config["UPSTREAMS"] = [entry_for(app, "nation", national),
                               entry_for(app, "province", fujian)]
    invited_rating(app)
    fujian.down = True
    for entry in app.config["UPSTREAMS"]:
        send(app, entry)
    out = app.test_cli_runner().invoke(args=["sync", "status"]).output
    assert "[nation] profile national" in out and "accepted 1" in out
    assert "[province] profile fujian" in out and "failed 1" in out and "503" in out
