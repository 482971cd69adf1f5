"""queue_outbox: the one way into the outbox; it refuses records outside the vocabulary."""
import json

import pytest
import sqlalchemy as sa
from uuid6 import uuid7

from kiosk.extensions import db
from kiosk.integrity.chain import GENESIS, Link, check_run, digest, link_of
from kiosk.models import ChainHead, OutboxEntry
from kiosk.models.base import utcnow
from kiosk.ratings.record import rating_event_record
from kiosk.sync.queue import BadRecord, queue_forwarded, queue_outbox


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
    {"chain": {"seq": 1}},
    {"origin_hall": "530102-WH"},
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
                                            OutboxEntry.payload, OutboxEntry.seq,
                                            OutboxEntry.envelope,
                                            sa.cast(OutboxEntry.payload, sa.Text).label("text"))
                                  .order_by(OutboxEntry.id)).all()
        assert [(r.kind, r.record_id, r.seq) for r in rows] == [
            ("rating_event", r["id"], seq) for seq, r in enumerate((first, second, third), 1)]
        # Each is stored as given, its link in the hall's chain beside it, over its text.
        assert [r.payload for r in rows] == [first, second, third]
        problems, last = check_run((r.seq, json.loads(r.envelope), r.text.encode())
                                   for r in rows)
        assert problems == [] and last.seq == 3
        assert db.session.get(ChainHead, 1).hash == last.hash


def test_forwarded_records_keep_their_own_text_and_link(app):
    with app.app_context():
        record = _event()
        text = json.dumps(record)  # as its hall wrote it: spaces and all
        link = Link(41, GENESIS, digest(GENESIS, text.encode()))
        env = {"chain": link.as_dict(), "origin_hall": "530102-WH"}
        queue_forwarded(db.session, [(record, text, env)])
        db.session.commit()
        row = db.session.scalars(sa.select(OutboxEntry)).one()
        stored = db.session.scalar(sa.select(sa.cast(OutboxEntry.payload, sa.Text)))
        assert stored == text and row.seq is None
        assert json.loads(row.envelope) == env and link_of(env) == link
        assert db.session.get(ChainHead, 1) is None
