"""A hall touches only its own records at the hub: events for another hall's rating and
ids another hall already used are refused per record as conflicts, logged and counted."""
import logging
import uuid

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import HubBatch, HubRating
from tests.hubkit import HALL_CODE, add_hall
from tests.security.hubsend import event, post_batch, rating, reasons, send

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]
OTHER = "530103-PL"


@pytest.fixture
def other_key(hub_app):
    return add_hall(hub_app, OTHER, "盘龙区政务服务中心")


def stored(hub_app, rid: str) -> HubRating:
    with hub_app.app_context():
        row = db.session.get(HubRating, uuid.UUID(rid))
        db.session.expunge_all()
        db.session.remove()
        return row


def test_an_event_for_another_halls_rating_is_refused(hub_app, hub_url, hall_key, other_key):
    mine = rating(level=5)
    assert send(hub_url, HALL_CODE, hall_key, [mine])["stored"] == [mine["id"]]
    attacks = [event(mine["id"], "excluded"),
               event(mine["id"], "case_status", status="closed")]
    answer = send(hub_url, OTHER, other_key, attacks)
    assert answer["stored"] == [] and answer["duplicate"] == []
    assert reasons(answer) == {e["id"]: "foreign_rating" for e in attacks}
    row = stored(hub_app, mine["id"])
    assert (row.excluded, row.case_status) == (False, None)


def test_a_foreign_event_sent_before_the_rating_never_applies(hub_app, hub_url, hall_key,
                                                              other_key):
    mine = rating(level=5)
    early = event(mine["id"], "excluded")
    assert send(hub_url, OTHER, other_key, [early])["stored"] == [early["id"]]  # no rating yet
    send(hub_url, HALL_CODE, hall_key, [mine])
    assert stored(hub_app, mine["id"]).excluded is False
    own = event(mine["id"], "case_status", status="registered")
    send(hub_url, HALL_CODE, hall_key, [own])
    row = stored(hub_app, mine["id"])
    assert (row.excluded, row.case_status) == (False, "registered")


def test_an_id_taken_by_another_hall_is_a_conflict_not_a_duplicate(hub_app, hub_url, hall_key,
                                                                    other_key, caplog):
    genuine = rating(level=1)
    squatter = {**genuine, "level": 5, "reasons": ["R01"], "comment": "伪造"}
    assert send(hub_url, OTHER, other_key, [squatter])["stored"] == [genuine["id"]]
    # Other tests in the same process may stop propagation or leave the logger disabled
    # (logging.config calls); the check is that the hub emits the warning at all.
    caplog.set_level(logging.WARNING, logger=hub_app.logger.name)
    hub_app.logger.addHandler(caplog.handler)
    was_disabled, hub_app.logger.disabled = hub_app.logger.disabled, False
    try:
        answer = send(hub_url, HALL_CODE, hall_key, [genuine])
    finally:
        hub_app.logger.removeHandler(caplog.handler)
        hub_app.logger.disabled = was_disabled
    assert answer["duplicate"] == [] and reasons(answer) == {genuine["id"]: "conflict"}
    assert any(genuine["id"] in r.getMessage() and "conflict" in r.getMessage()
               for r in caplog.records)
    with hub_app.app_context():
        counted = db.session.scalar(sa.select(sa.func.sum(HubBatch.conflict))
                                    .where(HubBatch.hall_code == HALL_CODE))
        db.session.remove()
    assert counted == 1
    metrics = hub_app.test_client().get("/metrics").get_data(as_text=True)
    assert f'kiosk_hub_conflicts{{hall="{HALL_CODE}"}} 1.0' in metrics


def test_same_id_from_the_same_hall_with_other_content_is_a_conflict(hub_app, hub_url,
                                                                      hall_key):
    first = rating(level=2)
    send(hub_url, HALL_CODE, hall_key, [first])
    assert send(hub_url, HALL_CODE, hall_key, [first])["duplicate"] == [first["id"]]
    changed = {**first, "level": 1}
    assert reasons(send(hub_url, HALL_CODE, hall_key, [changed])) == {first["id"]: "conflict"}
    assert stored(hub_app, first["id"]).level == 2


def test_an_event_id_reused_by_another_hall_is_a_conflict(hub_app, hub_url, hall_key,
                                                          other_key):
    mine = rating(level=5)
    own_event = event(mine["id"], "case_status", status="registered")
    send(hub_url, HALL_CODE, hall_key, [mine, own_event])
    theirs = rating(level=5)
    reused = {**own_event, "rating_id": theirs["id"]}
    answer = send(hub_url, OTHER, other_key, [theirs, reused])
    assert answer["stored"] == [theirs["id"]] and reasons(answer) == {reused["id"]: "conflict"}


def test_a_lower_hub_names_only_the_halls_it_forwards_for(hub_app, hub_url, hall_key):
    city_key = add_hall(hub_app, "CITY-KM", "昆明市", may_forward=True, forwards_for=[OTHER])
    allowed = rating(origin_hall=OTHER)
    foreign = rating(origin_hall=HALL_CODE)
    answer = send(hub_url, "CITY-KM", city_key, [allowed, foreign])
    assert answer["stored"] == [allowed["id"]]
    assert reasons(answer) == {foreign["id"]: "origin_not_allowed"}
    assert stored(hub_app, allowed["id"]).origin_hall == OTHER
    # A plain hall may not name another origin at all.
    answer = send(hub_url, HALL_CODE, hall_key, [rating(origin_hall=OTHER)])
    assert list(reasons(answer).values()) == ["origin_not_allowed"]


def test_a_case_event_dated_years_ahead_is_refused(hub_app, hub_url, hall_key):
    from datetime import timedelta

    from kiosk.models.base import utcnow

    mine = rating(level=5)
    future = event(mine["id"], "case_status", status="closed",
                   at=utcnow() + timedelta(days=3 * 365))
    now = event(mine["id"], "case_status", status="rectifying")
    answer = send(hub_url, HALL_CODE, hall_key, [mine, future, now])
    assert reasons(answer) == {future["id"]: "at_in_future"}
    assert stored(hub_app, mine["id"]).case_status == "rectifying"


def test_unknown_hall_and_wrong_key_get_the_same_answer(hub_app, hub_url, hall_key):
    wrong_key = post_batch(hub_url, HALL_CODE, "not-the-key", [])
    no_such_hall = post_batch(hub_url, "999999-XX", hall_key, [])
    assert (wrong_key.status_code, wrong_key.json()) == (no_such_hall.status_code,
                                                          no_such_hall.json())
