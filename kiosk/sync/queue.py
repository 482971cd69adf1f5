"""The one way a record enters the outbox: queue_outbox(conn, record, …).

It runs inside the caller's transaction (a SQLAlchemy Connection or Session, including the
ratings group committer's connection), so the record commits with the change it
describes. Every record is checked against the upstream vocabulary first (kiosk/ratings/
record.py): a record the hub would refuse is a bug here, not a dead letter there.

The outbox keeps each record as JSON text, the bytes its link's hash covers and that go
upstream unchanged, and beside it the record's envelope (kiosk/integrity/chain.py): each
record the hall writes itself becomes the next link of the hall's hash chain
(kiosk/integrity/ledger.py) in the same transaction; a record a hub forwards keeps the
text and link its own hall gave it (queue_forwarded). On SQLite the statements run on the
DBAPI cursor (kiosk/db_statements.py): this is in the group committer's serial section.
"""
from datetime import datetime

import sqlalchemy as sa

from kiosk.db_statements import Statement
from kiosk.integrity.chain import NOT_CONTENT, envelope
from kiosk.integrity.ledger import link_records
from kiosk.models.base import utcnow
from kiosk.ratings.record import CASE_STATUSES, EVENT_TYPES, KINDS
from kiosk.sync.wire import json_text

# payload and envelope are JSON text, stored as given: the link covers those very bytes.
_INSERT = Statement(
    "INSERT INTO outbox (kind, record_id, payload, envelope, created_at, attempts, dead, seq)"
    " VALUES (:kind, :record_id, :payload, :envelope, :created_at, 0, :dead, :seq)",
    created_at=sa.DateTime(), dead=sa.Boolean(),
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
    if not NOT_CONTENT.isdisjoint(record):
        raise BadRecord(f"{', '.join(sorted(NOT_CONTENT & set(record)))} travel beside a "
                        "record (its envelope), not in it")
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


def outbox_row(record: dict, text: str, env: dict, seq: int | None, at: datetime) -> dict:
    """One outbox row: the record's text as stored, its envelope (None when empty)."""
    return {"kind": record["kind"], "record_id": record["id"], "payload": text,
            "envelope": json_text(env) if env else None, "created_at": at, "dead": False,
            "seq": seq}


def _insert(conn, rows: list[dict]) -> None:
    if len(rows) == 1:
        _INSERT.run(conn, rows[0])
    else:
        _INSERT.run_many(conn, rows)


def linked_rows(conn, records, texts: list[str], at: datetime) -> list[dict]:
    """The outbox rows of the hall's own records, each the next link of its chain."""
    links = link_records(conn, texts)
    return [outbox_row(r, text, envelope(link), link.seq, at)
            for r, text, link in zip(records, texts, links, strict=True)]


def queue_outbox(conn_or_session, *records: dict, created_at: datetime | None = None) -> None:
    """Adds the hall's own records (kind "rating" or "rating_event") to the outbox in the
    caller's transaction, each the next link of the hall's chain; commit them with your
    change. Raises BadRecord before writing anything."""
    for record in records:
        check_record(record)
    if not records:
        return
    conn = _connection(conn_or_session)
    _insert(conn, linked_rows(conn, records, [json_text(r) for r in records],
                              created_at or utcnow()))


def queue_forwarded(conn_or_session, entries, created_at: datetime | None = None) -> None:
    """A hub passing records of the halls below it upward: (record, its text as received,
    its envelope) each, the text and link kept as the hall made them and the origin named.
    Not links of this hub's chain."""
    at = created_at or utcnow()
    rows = []
    for record, text, env in entries:
        check_record(record)
        rows.append(outbox_row(record, text, env, None, at))
    if rows:
        _insert(_connection(conn_or_session), rows)
