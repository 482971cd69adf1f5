"""The one way a record enters the outbox: queue_outbox(conn, record, …).

It runs inside the caller's transaction (a SQLAlchemy Connection or Session, including the
ratings group committer's connection), so the record commits with the change it
describes. Every record is checked against the upstream vocabulary first (kiosk/ratings/
record.py): a record the hub would refuse is a bug here, not a dead letter there.

Each record the hall writes itself becomes the next link of the hall's hash chain
(kiosk/integrity/ledger.py) in the same transaction; a record a hub forwards keeps the
link its own hall gave it. On SQLite the statements run on the DBAPI cursor
(kiosk/db_statements.py): this is in the group committer's serial section.
"""
from datetime import datetime

import sqlalchemy as sa

from kiosk.db_statements import Statement
from kiosk.integrity.ledger import link_records
from kiosk.models.base import utcnow
from kiosk.ratings.record import CASE_STATUSES, EVENT_TYPES, KINDS

_INSERT = Statement(
    "INSERT INTO outbox (kind, record_id, payload, created_at, attempts, dead, seq) "
    "VALUES (:kind, :record_id, :payload, :created_at, 0, :dead, :seq)",
    payload=sa.JSON(), created_at=sa.DateTime(), dead=sa.Boolean(),
)


class BadRecord(ValueError):
    """A record outside the upstream vocabulary (docs/sync-api.md)."""


def check_record(record: dict) -> None:
    """Raises BadRecord unless `record` is a kind and event the upstream knows."""
    if not isinstance(record, dict):
        raise BadRecord("a record is a dict")
    kind = record.get("kind")
    if kind not in KINDS:
        raise BadRecord(f"unknown record kind {kind!r}")
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise BadRecord("a record needs its id (a string)")
    if kind == "rating_event":
        event = record.get("event")
        if event not in EVENT_TYPES:
            raise BadRecord(f"unknown event {event!r}")
        if event == "case_status" and record.get("status") not in CASE_STATUSES:
            raise BadRecord(f"unknown case status {record.get('status')!r}")
        if not isinstance(record.get("rating_id"), str):
            raise BadRecord("an event needs its rating_id (a string)")


def _connection(conn_or_session):
    """The Connection of a Session's transaction, or the Connection itself."""
    if isinstance(conn_or_session, sa.engine.Connection):
        return conn_or_session
    return conn_or_session.connection()


def queue_outbox(conn_or_session, *records: dict, created_at: datetime | None = None,
                 forwarded: bool = False) -> None:
    """Adds the records (kind "rating" or "rating_event") to the outbox in the caller's
    transaction; commit them with your change. Raises BadRecord before writing anything.
    forwarded=True: records another hall wrote (a hub passing them upward), sent unchanged."""
    for record in records:
        check_record(record)
    if not records:
        return
    conn = _connection(conn_or_session)
    at = created_at or utcnow()
    numbered = ([(None, r) for r in records] if forwarded
                else link_records(conn, list(records)))
    rows = [{"kind": r["kind"], "record_id": r["id"], "payload": r, "created_at": at,
             "dead": False, "seq": seq} for seq, r in numbered]
    if len(rows) == 1:
        _INSERT.run(conn, rows[0])
    else:
        _INSERT.run_many(conn, rows)
