"""Stores one batch from one hall in one transaction, idempotently by record id.

Valid records are inserted set-based (PostgreSQL: COPY into a temp table, then one
INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING id); ids that come back were stored,
the other valid ones were already there (duplicates). A crash before COMMIT leaves nothing
behind, and the hall sends the batch again.
"""
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.extensions import db
from kiosk.hub import chain_check, keys, tenancy
from kiosk.hub.forwarded_appeals import note_forwarded_appeals
from kiosk.hub.sql import id_in
from kiosk.hub.validate import Rejected, event_row, rating_row, record_id
from kiosk.integrity.chain import Link, canonical, run_links
from kiosk.models import HubBatch, HubHall, HubRating, HubRatingEvent
from kiosk.sync.queue import queue_forwarded
from kiosk.sync.sealing import SealError, derive_key, seal, unseal
from kiosk.sync.wire import Lines, json_text

log = logging.getLogger(__name__)

LINK_COLUMNS = ("chain_seq", "chain_prev", "chain_hash")
RATING_COLUMNS = ("id", "origin_hall", "sender_hall", "rated_at", "level", "channel",
                  "is_default", "excluded", "contact_sealed", "record", "received_at",
                  *LINK_COLUMNS)
EVENT_COLUMNS = ("id", "rating_id", "origin_hall", "event", "status", "due_at", "at",
                 "record", "received_at", *LINK_COLUMNS)
NO_LINK = (None, None, None)
GENERIC_CHUNK = 400  # rows per multi-row INSERT where COPY is not available (SQLite)
MAX_COUNT = 2**31 - 1  # a hall's reported backlog: beyond this it is not a count


@dataclass
class Outcome:
    stored: list[str] = field(default_factory=list)
    duplicate: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    conflict: list[dict] = field(default_factory=list)  # see kiosk/hub/tenancy.py
    # A run whose last hash was not the one sent: nothing stored; the sender sends each
    # record's link, so the chain check can tell which record differs.
    links_needed: bool = False

    def answer(self, batch_id: str) -> dict:
        # A conflict is a per-record refusal: the hall dead-letters it like any other.
        answer = {"batch_id": batch_id, "stored": self.stored, "duplicate": self.duplicate,
                  "rejected": self.rejected + self.conflict}
        if self.links_needed:
            answer["links_needed"] = True
        return answer


def _reseal_contact(item: dict, hall: HubHall, hall_key: bytes, row: dict) -> None:
    """The phone arrives sealed with a key only this hall and we know; we keep it sealed
    under our own key, bound to the rating id."""
    token = item.get("contact")
    if token is None:
        return
    try:
        phone = unseal(derive_key(hall_key, "contact"), token, aad=row["id"])
    except (SealError, ValueError, TypeError):
        raise Rejected("bad_contact") from None
    row["contact_sealed"] = seal(keys.contact_box(), phone, aad=row["id"])


@dataclass
class Split:
    ratings: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    text_of: dict[str, bytes] = field(default_factory=dict)  # by id, records sent as lines
    # (origin, id, link, record, its text or None) of each linked record whose origin the
    # sender may name, valid or not: its link is part of the chain either way.
    linked: list[tuple] = field(default_factory=list)


def split_items(items: list, hall: HubHall, hall_key: bytes, now: datetime, outcome: Outcome,
                texts: list[bytes] | None = None, links: list[Link] | None = None) -> Split:
    """texts: each record's text, for a batch sent as lines; links: each record's link,
    computed for a batch sent as a run (else read from each record's envelope)."""
    out = Split()
    for i, item in enumerate(items):
        text = None if texts is None else texts[i]
        try:
            if not isinstance(item, dict):
                raise Rejected("not_an_object")
            origin = tenancy.origin_of(item, hall)
            if links is not None:
                link = links[i]
            else:
                link = None if item.get("chain") is None else chain_check.read_link(item)
            if link is not None:
                out.linked.append((origin, item.get("id"), link, item, text))
            kind = item.get("kind")
            if kind == "rating":
                row = rating_row(item, origin, hall.code, now)
                row["contact_sealed"] = None
                _reseal_contact(item, hall, hall_key, row)
                out.ratings.append(row)
            elif kind == "rating_event":
                row = event_row(item, origin, now)
                out.events.append(row)
            else:
                raise Rejected("unknown_kind")
            # A malformed link's record is refused by the chain check (screen).
            row["chain_seq"], row["chain_prev"], row["chain_hash"] = (
                link if type(link) is Link else NO_LINK)
            if text is not None:
                out.text_of[row["id"]] = text
        except Rejected as exc:
            outcome.rejected.append({"id": record_id(item), "reason": exc.reason})
    return out


def _record_text(row: dict, text_of: dict[str, bytes]) -> str:
    """What the hub stores as the record: its text as received where it came as a line,
    the very bytes its link covers (no re-encoding)."""
    text = text_of.get(row["id"])
    return json_text(row["record"]) if text is None else text.decode().rstrip()


def _copy_insert(conn, table: str, columns: tuple[str, ...], rows: list[dict],
                 text_of: dict[str, bytes]) -> set[str]:
    """PostgreSQL: COPY into a per-connection temp table, then one INSERT … ON CONFLICT."""
    raw = conn.connection.driver_connection
    cols = ", ".join(columns)
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table}_in "
                    f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        with cur.copy(f"COPY {table}_in ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_record_text(row, text_of) if c == "record" else row[c]
                                for c in columns])
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {table}_in "
                    f"ON CONFLICT (id) DO NOTHING RETURNING id")
        stored = {str(r[0]) for r in cur.fetchall()}
        cur.execute(f"TRUNCATE {table}_in")  # ON COMMIT cleans too; a second call may follow
    return stored


def _generic_insert(conn, model, rows: list[dict], text_of: dict[str, bytes]) -> set[str]:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stored: set[str] = set()
    for start in range(0, len(rows), GENERIC_CHUNK):
        # The record as text, as the COPY path stores it: the JSON type would re-encode it.
        chunk = [{**r, "id": uuid.UUID(r["id"]), **(
            {"rating_id": uuid.UUID(r["rating_id"])} if "rating_id" in r else {}),
            "record": sa.type_coerce(_record_text(r, text_of), sa.Text)}
            for r in rows[start:start + GENERIC_CHUNK]]
        stmt = insert(model).values(chunk).on_conflict_do_nothing(index_elements=["id"])
        stored.update(str(i) for i in conn.execute(stmt.returning(model.id)).scalars())
    return stored


def _insert(conn, model, columns, rows, text_of: dict[str, bytes]) -> set[str]:
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return _copy_insert(conn, model.__tablename__, columns, rows, text_of)
    return _generic_insert(conn, model, rows, text_of)


def _apply_events(conn, rating_ids: set[str]) -> None:
    """Recomputes case status and exclusion from all events of these ratings, newest wins;
    so events may arrive late, twice or before their rating and the result is the same."""
    if not rating_ids:
        return
    e = HubRatingEvent.__table__
    r = HubRating.__table__

    def latest(column, *kinds):
        # Only the rating's own hall's events count (kiosk/hub/tenancy.py).
        return (sa.select(column).where(e.c.rating_id == r.c.id, e.c.event.in_(kinds),
                                        e.c.origin_hall == r.c.origin_hall)
                .order_by(e.c.at.desc(), e.c.id.desc()).limit(1).scalar_subquery())

    conn.execute(
        r.update().where(id_in(conn, r.c.id, rating_ids)).values(
            case_status=latest(e.c.status, "case_status"),
            case_due_at=latest(e.c.due_at, "case_status"),
            excluded=sa.func.coalesce(latest(e.c.event == "excluded", "excluded", "reinstated"),
                                      sa.false()),
        )
    )


def _ratings_with_events(conn, stored_ratings: set[str]) -> set[str]:
    if not stored_ratings:
        return set()
    e = HubRatingEvent.__table__
    found = conn.execute(sa.select(e.c.rating_id)
                         .where(id_in(conn, e.c.rating_id, stored_ratings)).distinct())
    return {str(i) for i in found.scalars()}


def _forward(conn, rows: list[dict], stored: set[str], text_of: dict[str, bytes], now) -> None:
    """A hub with an upstream of its own feeds its outbox in the same transaction: each
    record's text and link as its hall made them, and the hall named."""
    entries = []
    for row in rows:
        if row["id"] not in stored:
            continue
        content = row["record"]  # transport fields were taken out (kiosk/hub/validate.py)
        linked = row["chain_seq"] is not None
        text = text_of.get(row["id"])
        if text is None:  # sent as one JSON object: its linked bytes are its canonical form
            text = canonical(content) if linked else json_text(content).encode()
        env = {"chain": Link(*(row[c] for c in LINK_COLUMNS)).as_dict()} if linked else {}
        entries.append((content, text.decode(), {**env, "origin_hall": row["origin_hall"]}))
    queue_forwarded(conn, entries, created_at=now)


def _drop_mismatched(ids: set[str], ratings: list, events: list, outcome: Outcome):
    """A record whose content is not what its link's hash covers is refused (and is an
    incident): it is not the record the hall wrote."""
    if not ids:
        return ratings, events
    for row in (*ratings, *events):
        if row["id"] in ids:
            outcome.rejected.append({"id": row["id"], "reason": "chain_mismatch"})
    return ([r for r in ratings if r["id"] not in ids],
            [e for e in events if e["id"] not in ids])


def _note_batch(conn, hall: HubHall, batch: dict, outcome: Outcome, count: int, now) -> None:
    backlog = batch.get("backlog") if isinstance(batch.get("backlog"), dict) else {}
    oldest = backlog.get("oldest_at")
    try:
        oldest_at = datetime.fromisoformat(oldest).replace(tzinfo=None) if oldest else None
    except (TypeError, ValueError):
        oldest_at = None

    def as_int(v):  # a count the hall reports, as the INTEGER column holds it
        return v if type(v) is int and 0 <= v <= MAX_COUNT else None

    conn.execute(sa.update(HubHall).where(HubHall.id == hall.id).values(
        last_sync_at=now, reported_backlog=as_int(backlog.get("pending")),
        reported_oldest_at=oldest_at, reported_dead=as_int(backlog.get("dead"))))
    conn.execute(sa.insert(HubBatch).values(
        hall_code=hall.code, batch_id=str(batch.get("batch_id"))[:40], received_at=now,
        records=count, stored=len(outcome.stored), duplicate=len(outcome.duplicate),
        rejected=len(outcome.rejected), conflict=len(outcome.conflict)))


def _sort_answers(conn, ratings, events, stored: set[str], outcome: Outcome) -> None:
    for model, rows in ((HubRating, ratings), (HubRatingEvent, events)):
        outcome.stored.extend(r["id"] for r in rows if r["id"] in stored)
        duplicate, conflict = tenancy.sort_known(
            conn, model, [r for r in rows if r["id"] not in stored])
        outcome.duplicate.extend(duplicate)
        outcome.conflict.extend(conflict)


def ingest_batch(hall: HubHall, hall_key: bytes, batch: dict, now: datetime,
                 lines: Lines | None = None) -> Outcome:
    """lines: the batch as read from lines (kiosk/sync/wire.py), whose records' links are
    checked against their texts; None for a batch sent as one JSON object."""
    items = batch["items"]
    texts = lines.texts if lines is not None else None
    links = None
    run = chain_check.sent_run(batch, lines)
    if run is not None:
        # An unreadable line is missing from the texts: the run then ends on another hash.
        links = run_links(texts, *run)
        if links is None:
            log.warning("hub: hall %s sent a run %d… whose hash is not its last record's;"
                        " asked for each link", hall.code, run[0])
            return Outcome(links_needed=True)
    outcome = Outcome()
    if lines is not None:
        outcome.rejected.extend(lines.refused)
    split = split_items(items, hall, hall_key, now, outcome, texts, links)
    text_of = split.text_of
    screened = chain_check.screen(split.linked, verified=run is not None)
    ratings, events = _drop_mismatched(screened.mismatched, split.ratings, split.events, outcome)
    conn = db.session.connection()
    stored = _insert(conn, HubRating, RATING_COLUMNS, ratings, text_of)
    events, foreign = tenancy.without_foreign_events(conn, events)
    outcome.conflict.extend(foreign)
    stored |= _insert(conn, HubRatingEvent, EVENT_COLUMNS, events, text_of)
    note_forwarded_appeals(conn, events, stored, now)
    touched = {row["rating_id"] for row in events if row["id"] in stored}
    touched |= _ratings_with_events(conn, {r["id"] for r in ratings if r["id"] in stored})
    _apply_events(conn, touched)
    if current_app.config.get("SYNC_URL"):
        _forward(conn, [*ratings, *events], stored, text_of, now)
    _sort_answers(conn, ratings, events, stored, outcome)
    tenancy.log_conflicts(hall, outcome.conflict)
    _note_batch(conn, hall, batch, outcome, len(items), now)
    forwarded = {origin: low for origin, low in chain_check.forwarded_report(batch).items()
                 if tenancy.forwards(hall, origin)}
    chain_check.note_links(conn, screened, hall.code, chain_check.sender_report(batch),
                           str(batch.get("batch_id"))[:40], now, forwarded,
                           duplicates=set(outcome.duplicate))
    db.session.commit()
    return outcome
