"""queue_outbox: the one way into the outbox; it refuses records outside the vocabulary."""
import pytest
import sqlalchemy as sa
from uuid6 import uuid7

from kiosk.extensions import db
from kiosk.integrity.chain import GENESIS, check_run, linked
from kiosk.models import ChainHead, OutboxEntry
from kiosk.models.base import utcnow
from kiosk.ratings.record import rating_event_record
from kiosk.sync.queue import BadRecord, queue_outbox


def _event(**overrides) -> dict:
    record = rating_event_record(event_id=uuid7(), rating_id=uuid7(), event="excluded",
                                 at=utcnow())
    return {**record, **overrides}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEntry))


@pytest.mark.parametrize("bad", [
    {"kind": "photo"},
    {"event": "deleted"},
    {"event": "case_status", "status": "forgotten"},
    {"id": None},
    {"rating_id": 7},
])
def test_records_outside_the_vocabulary_are_refused_and_nothing_is_written(app, bad):
    with app.app_context():
        good = _event()
        with pytest.raises(BadRecord):
            queue_outbox(db.session, good, _event(**bad))
        db.session.commit()
        assert _count() == 0


def test_records_queue_on_a_session_and_on_a_connection(app):
    with app.app_context():
        first, second, third = _event(), _event(), _event()
        queue_outbox(db.session, first)
        db.session.commit()
        with db.engine.begin() as conn:
            queue_outbox(conn, second, third)
        rows = db.session.execute(sa.select(OutboxEntry.kind, OutboxEntry.record_id,
                                            OutboxEntry.payload, OutboxEntry.seq)
                                  .order_by(OutboxEntry.id)).all()
        assert [(r.kind, r.record_id, r.seq) for r in rows] == [
            ("rating_event", r["id"], seq) for seq, r in enumerate((first, second, third), 1)]
        # Each is stored as given, plus its link in the hall's chain.
        assert [{k: v for k, v in r.payload.items() if k != "chain"} for r in rows] == [
            first, second, third]
        problems, last = check_run((r.seq, r.payload) for r in rows)
        assert problems == [] and last.seq == 3
        assert db.session.get(ChainHead, 1).hash == last.hash


def test_forwarded_records_keep_their_own_link(app):
    with app.app_context():
        record = linked({**_event(), "origin_hall": "530102-WH"}, seq=41, prev=GENESIS)
        queue_outbox(db.session, record, forwarded=True)
        db.session.commit()
        row = db.session.scalars(sa.select(OutboxEntry)).one()
        assert row.payload == record and row.seq is None
        assert db.session.get(ChainHead, 1) is None
