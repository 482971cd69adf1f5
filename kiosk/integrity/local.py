"""The hall checks its own chain: every outbox record in seq order (`flask integrity
verify`), or only the newest ones and the head (/healthz, cheap enough for every probe)."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.integrity.chain import GENESIS, Link, Problem, check_run, link_of
from kiosk.models import ChainHead, OutboxEntry

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


def _rows(conn, after_seq: int):
    """(seq, record) in seq order from after_seq on, read a chunk at a time."""
    while True:
        chunk = conn.execute(sa.select(outbox.c.seq, outbox.c.payload)
                             .where(outbox.c.seq > after_seq)
                             .order_by(outbox.c.seq).limit(CHUNK)).all()
        yield from chunk
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


def verify(engine: Engine) -> Verdict:
    """Every record from seq 1: links, hashes, numbering, and the head."""
    counted = 0

    def counting(rows):
        nonlocal counted
        for row in rows:
            counted += 1
            yield row

    with engine.connect() as conn:
        problems, last = check_run(counting(_rows(conn, 0)), GENESIS, 1)
        problems += _head_problem(conn, last)
    return Verdict(counted, last, problems)


def verify_tail(engine: Engine, count: int = TAIL) -> Verdict:
    """The newest `count` records and the head: what /healthz looks at."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.seq, outbox.c.payload)
                            .where(outbox.c.seq.is_not(None))
                            .order_by(outbox.c.seq.desc()).limit(count)).all()[::-1]
        if not rows:
            return Verdict(0, None, _head_problem(conn, None))
        try:
            first = link_of(rows[0].payload)
        except ValueError:
            first = None
        start = (first.seq, first.prev) if first else (rows[0].seq, GENESIS)
        problems, last = check_run(rows, start[1], start[0])
        problems += _head_problem(conn, last)
    return Verdict(len(rows), last, problems)
