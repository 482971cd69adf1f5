"""queue_outbox: the one way into the outbox; it refuses records outside the vocabulary."""
import pytest
import sqlalchemy as sa
from uuid6 import uuid7

from kiosk.extensions import db
from kiosk.models import OutboxEntry
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
                                            OutboxEntry.payload).order_by(OutboxEntry.id)).all()
        assert [(r.kind, r.record_id, r.payload) for r in rows] == [
            ("rating_event", r["id"], r) for r in (first, second, third)]
