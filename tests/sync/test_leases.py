"""The daemon's leases: a claim writes lease rows, never the records it sends; settling
marks each record once; on PostgreSQL, claimers running at once never share a row."""
import threading
import uuid

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import OutboxEntry, OutboxLease
from kiosk.models.base import utcnow
from kiosk.sync import store
from tests.hubkit import make_ratings


def _read(query):
    """A fresh read: the session's own transaction would keep an older snapshot."""
    with db.engine.connect() as conn:
        return conn.execute(query).all()


def _count(model) -> int:
    return _read(sa.select(sa.func.count()).select_from(model))[0][0]


def _writes() -> list[int]:
    return sorted(r for (r,) in _read(sa.text("SELECT row_id FROM outbox_writes")))


def test_claiming_writes_leases_and_only_settling_writes_the_records(app):
    make_ratings(app, 30)
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE outbox_writes (row_id INTEGER)"))
        db.session.execute(sa.text(
            "CREATE TRIGGER outbox_written AFTER UPDATE ON outbox"
            " BEGIN INSERT INTO outbox_writes VALUES (NEW.id); END"))
        db.session.commit()
        now = utcnow()
        first = store.claim(db.engine, now, 10)
        second = store.claim(db.engine, now, 10)
        assert [c.row_id for c in first] == sorted(c.row_id for c in first)
        assert not {c.row_id for c in first} & {c.row_id for c in second}
        assert max(c.row_id for c in first) < min(c.row_id for c in second)  # oldest first
        assert _writes() == [] and _count(OutboxLease) == 20

        store.settle(db.engine, now, confirmed=[c.row_id for c in first], rejected={},
                     unanswered=[c.row_id for c in second], error="hub down")
        assert _writes() == sorted(c.row_id for c in first + second)  # each record once
        assert _count(OutboxLease) == 0
        rows = {r.id: r for r in _read(sa.select(OutboxEntry.__table__))}
        assert all(rows[c.row_id].sent_at == now and rows[c.row_id].attempts == 1 for c in first)
        assert all(rows[c.row_id].sent_at is None and rows[c.row_id].attempts == 1
                   and rows[c.row_id].last_error == "hub down" for c in second)
        # Released, the unanswered rows are the oldest pending again.
        again = store.claim(db.engine, now, 10)
        assert [c.row_id for c in again] == [c.row_id for c in second]


def test_a_deleted_record_takes_its_lease_with_it(app):
    make_ratings(app, 3)
    with app.app_context():
        claimed = store.claim(db.engine, utcnow(), 10)
        db.session.execute(sa.delete(OutboxEntry).where(OutboxEntry.id == claimed[0].row_id))
        db.session.commit()
        assert _count(OutboxLease) == 2


@pytest.mark.postgres
def test_claimers_at_once_on_postgresql_never_share_a_row(hub_app):
    with hub_app.app_context():
        now = utcnow()
        db.session.execute(sa.insert(OutboxEntry), [
            {"kind": "rating", "record_id": str(uuid.uuid4()), "payload": {"n": i},
             "created_at": now, "attempts": 0, "dead": False} for i in range(300)])
        db.session.commit()
        engine = db.engine
    taken: list[list[int]] = []
    start = threading.Barrier(4)

    def claimer():
        start.wait()
        mine = []
        while batch := store.claim(engine, now, 25):
            mine.extend(c.row_id for c in batch)
        taken.append(mine)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    every = [row for mine in taken for row in mine]
    assert len(taken) == 4 and len(every) == len(set(every)) == 300
