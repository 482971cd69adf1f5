"""Tiers on PostgreSQL: a hall syncs to a city hub, which forwards the hall's chain unchanged
to the province. The province checks the forwarded chain per origin hall as the city checks
the hall's own: a record lost or changed between the two hubs is an incident at the
province, an ordinary tiered sync (batches in parallel, retries) is not."""

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import HubChainHead, OutboxEntry
from kiosk.sync import settings
from kiosk.sync.client import HubClient
from kiosk.sync.wire import encode_batch
from kiosk.sync.worker import Worker, drain
from tests.hubkit import CITY, HALL_CODE, hub_ids, hub_incidents, make_ratings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]


def sync(app, parallel: int = 1):
    with app.app_context():
        worker = Worker(db.engine, settings.load(app))
        try:
            return drain(worker, parallel=parallel)
        finally:
            worker.close()


def head(hub_app, hall: str = HALL_CODE) -> int | None:
    with hub_app.app_context():
        row = db.session.get(HubChainHead, hall)
        db.session.remove()
        return None if row is None else row.seq


def forwarded_row(city_app, record_id: str) -> OutboxEntry:
    with city_app.app_context():
        row = db.session.scalars(sa.select(OutboxEntry)
                                 .where(OutboxEntry.record_id == record_id)).one()
        db.session.expunge(row)
        return row


def test_a_tiered_sync_in_parallel_batches_is_verified_at_both_hubs(app, city, hub_app):
    ids = make_ratings(app, 4) + make_ratings(app, 3, level=5)  # each 差评 adds an event
    sync(app)
    assert sync(city, parallel=2).stored == 10  # four batches of at most 3, two in flight
    assert hub_incidents(city) == [] and hub_incidents(hub_app) == []
    assert head(city) == head(hub_app) == 10
    assert hub_ids(hub_app) == sorted(ids)


def test_a_forwarded_record_lost_between_the_hubs_is_a_gap_at_the_province(app, city,
                                                                         hub_app):
    ids = make_ratings(app, 5)
    sync(app)
    # What someone with the city hub's database could do before it forwards:
    lost = forwarded_row(city, ids[2])
    with city.app_context():
        db.session.execute(sa.delete(OutboxEntry).where(OutboxEntry.id == lost.id))
        db.session.commit()
    sync(city)
    assert hub_incidents(city) == []
    assert hub_incidents(hub_app) == [(HALL_CODE, "gap", 3, 3)]
    assert hub_ids(hub_app) == sorted(ids[:2] + ids[3:])  # the others are stored
    make_ratings(app, 1)
    sync(app)
    sync(city)
    assert len(hub_incidents(hub_app)) == 1  # reported once
    assert head(hub_app) == 6


def test_a_forwarded_record_changed_between_the_hubs_is_refused_at_the_province(app, city,
                                                                              hub_app):
    ids = make_ratings(app, 3)
    sync(app)
    changed = forwarded_row(city, ids[1])
    with city.app_context():
        db.session.execute(sa.update(OutboxEntry).where(OutboxEntry.id == changed.id).values(
            payload={**changed.payload, "level": 1, "level_name": "非常满意"}))
        db.session.commit()
    sync(city)
    assert hub_incidents(city) == []
    assert hub_incidents(hub_app) == [(HALL_CODE, "hash_mismatch", 2, 2)]
    assert ids[1] not in hub_ids(hub_app)
    assert "chain_mismatch" in forwarded_row(city, ids[1]).last_error


def test_only_a_hub_that_forwards_for_a_hall_reports_its_position(app, city, hub_app):
    """A sender's word on another hall's chain counts only for halls it forwards."""
    with city.app_context():
        client = HubClient(settings.load(city))
        try:
            client.send_batch(encode_batch(
                batch_id="f", hall_id=CITY, sent_at="", backlog={}, items=[],
                chain={"forwarded": {"OTHER-HALL": {"low": 40}, HALL_CODE: {"low": 3},
                                     CITY: {"low": 9}, "bad": 5}}))
        finally:
            client.close()
    assert head(hub_app, "OTHER-HALL") is None and head(hub_app, CITY) is None
    # The city forwards for the hall: nothing of it arrived, so 1–2 are a gap.
    assert hub_incidents(hub_app) == [(HALL_CODE, "gap", 1, 2)]
    assert hub_incidents(city) == []
