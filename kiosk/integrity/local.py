"""The hall checks its own chain: every outbox record in seq order (`flask integrity
verify`), or only the newest ones and the head (/healthz, cheap enough for every probe).
verify also compares the rating table with the records (local statistics read the
table: a level changed there, not in the outbox, would only show here)."""
import json
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.integrity.chain import GENESIS, Link, Problem, check_run, link_of
from kiosk.models import ChainHead, OutboxEntry, Rating
from kiosk.timeutil import iso_utc

outbox = OutboxEntry.__table__
TAIL = 200  # records /healthz re-hashes
CHUNK = 2000


@dataclass
class Verdict:
    checked: int
    head: Link | None
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        return not self.problems


# Each linked record as check_run reads it: its seq, its envelope, its text as stored.
_LINKED = (outbox.c.seq, outbox.c.envelope, sa.cast(outbox.c.payload, sa.Text))


def _envelope(text: str | None):
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return {"chain": "unreadable"}  # reported as a bad link, like any broken one


def _as_checked(rows):
    for seq, env, text in rows:
        yield seq, _envelope(env), text.encode()


def _rows(conn, after_seq: int):
    """(seq, envelope, text) in seq order from after_seq on, read a chunk at a time."""
    while True:
        chunk = conn.execute(sa.select(*_LINKED).where(outbox.c.seq > after_seq)
                             .order_by(outbox.c.seq).limit(CHUNK)).all()
        yield from _as_checked(chunk)
        if len(chunk) < CHUNK:
            return
        after_seq = chunk[-1].seq


def _head_problem(conn, last: Link | None) -> list[Problem]:
    head = conn.execute(sa.select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1)).first()
    if head is None and last is None:
        return []
    if head is None or last is None or (head.seq, head.hash) != (last.seq, last.hash):
        return [Problem("head_mismatch", head.seq if head else None,
                        "the chain head is not the newest record in the outbox "
                        "(newest records deleted, or the head edited)")]
    return []


def _rating_facts(row) -> dict:
    return {"level": row.level, "channel": row.channel, "comment": row.comment or "",
            "rated_at": iso_utc(row.rated_at), "is_default": bool(row.is_default)}


def compare_ratings(engine: Engine) -> list[Problem]:
    """Each rating record in the outbox against its row in the rating table, and every
    rating row against the outbox (a rating nobody queued upstream)."""
    problems, seen = [], set()
    r = Rating.__table__
    with engine.connect() as conn:
        last_id = 0
        while True:
            chunk = conn.execute(sa.select(outbox.c.id, outbox.c.seq, outbox.c.payload)
                                 .where(outbox.c.kind == "rating", outbox.c.id > last_id)
                                 .order_by(outbox.c.id).limit(CHUNK)).all()
            if not chunk:
                break
            last_id = chunk[-1].id
            ids = [uuid.UUID(row.payload["id"]) for row in chunk]
            rows = {row.id: row for row in conn.execute(
                sa.select(r.c.id, r.c.level, r.c.channel, r.c.comment, r.c.rated_at,
                          r.c.is_default).where(r.c.id.in_(ids)))}
            for rid, row in zip(ids, chunk, strict=True):
                seen.add(rid)
                stored = rows.get(rid)
                if stored is None:
                    problems.append(Problem("rating_missing", row.seq,
                                            f"rating {rid} is gone from the rating table"))
                    continue
                facts = _rating_facts(stored)
                differs = sorted(k for k, v in facts.items() if row.payload.get(k) != v)
                if differs:
                    problems.append(Problem("rating_differs", row.seq,
                                            f"rating {rid}: {', '.join(differs)} changed"))
        for (rid,) in conn.execute(sa.select(r.c.id)):
            if rid not in seen:
                problems.append(Problem("rating_unqueued", None,
                                        f"rating {rid} was never queued upstream"))
    return problems


def verify(engine: Engine, with_ratings: bool = True) -> Verdict:
    """Every record from seq 1: links, hashes, numbering, and the head; on a hall also the
    rating table against the records."""
    counted = 0

    def counting(rows):
        nonlocal counted
        for row in rows:
            counted += 1
            yield row

    with engine.connect() as conn:
        problems, last = check_run(counting(_rows(conn, 0)), GENESIS, 1)
        problems += _head_problem(conn, last)
    if with_ratings:
        problems += compare_ratings(engine)
    return Verdict(counted, last, problems)


def verify_tail(engine: Engine, count: int = TAIL) -> Verdict:
    """The newest `count` records and the head: what /healthz looks at."""
    with engine.connect() as conn:
        rows = list(_as_checked(conn.execute(
            sa.select(*_LINKED).where(outbox.c.seq.is_not(None))
            .order_by(outbox.c.seq.desc()).limit(count)).all()[::-1]))
        if not rows:
            return Verdict(0, None, _head_problem(conn, None))
        try:
            first = link_of(rows[0][1])
        except ValueError:
            first = None
        start = (first.seq, first.prev) if first else (rows[0][0], GENESIS)
        problems, last = check_run(rows, start[1], start[0])
        problems += _head_problem(conn, last)
    return Verdict(len(rows), last, problems)
