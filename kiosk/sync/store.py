"""The daemon's reads and writes on the outbox and its state row: each a short transaction,
so the web app and the device listener never wait long for the SQLite write lock."""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from kiosk.db_setup import IMMEDIATE
from kiosk.models import ChainHead, HubChainHead, OutboxEntry, OutboxLease, SyncState

outbox = OutboxEntry.__table__
leases = OutboxLease.__table__
state = SyncState.__table__
LEASE = timedelta(minutes=5)  # a claim older than this is free again (its daemon died)
STATE_ID = 1


@dataclass
class Claimed:
    row_id: int
    kind: str
    record_id: str
    payload_text: str  # the JSON as stored: spliced into the batch without re-encoding
    envelope_text: str | None = None  # its link and origin (kiosk/integrity/chain.py)
    seq: int | None = None  # its place in the hall's chain; None for a forwarded record


@dataclass
class Backlog:
    pending: int
    oldest_at: datetime | None
    dead: int


def _write(engine: Engine):
    """A connection whose transaction starts with BEGIN IMMEDIATE on SQLite."""
    return engine.connect().execution_options(**{IMMEDIATE: True})


def _insert(conn):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(leases)


def _ids(name: str):
    """A list of row ids bound as one parameter: thousands of them would otherwise each
    become an expression of their own, which costs more than the statement."""
    return sa.bindparam(name, expanding=True, type_=sa.Integer)


def claim(engine: Engine, now: datetime, limit: int) -> list[Claimed]:
    """Leases the oldest pending rows to this daemon, in one short write transaction: a
    lease row each, the records themselves only read. ON CONFLICT: a row another claimer
    leased meanwhile, on a database with several (PostgreSQL) is left to it."""
    claim_id = secrets.randbits(62)
    pick = (sa.select(outbox.c.id, sa.literal(now + LEASE, sa.DateTime()),
                      sa.literal(claim_id, sa.BigInteger()))
            .where(outbox.c.sent_at.is_(None), outbox.c.dead.is_(False),
                   outbox.c.id.not_in(sa.select(leases.c.row_id)))
            .order_by(outbox.c.id).limit(limit))
    if engine.dialect.name == "postgresql":
        pick = pick.with_for_update(of=outbox, skip_locked=True)
    with _write(engine) as conn, conn.begin():
        conn.execute(leases.delete().where(leases.c.claimed_until < now))
        conn.execute(_insert(conn).from_select(["row_id", "claimed_until", "claim"], pick)
                     .on_conflict_do_nothing())
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.kind, outbox.c.record_id,
                      sa.cast(outbox.c.payload, sa.Text), outbox.c.envelope, outbox.c.seq)
            .join(leases, leases.c.row_id == outbox.c.id)
            .where(leases.c.claim == claim_id).order_by(outbox.c.id)).all()
    return [Claimed(*r) for r in rows]


def release_all_claims(engine: Engine) -> int:
    """At daemon start (holding the instance lock): earlier claims belong to a dead process."""
    with _write(engine) as conn, conn.begin():
        return conn.execute(leases.delete()).rowcount


_SENT = (outbox.update().where(outbox.c.id.in_(_ids("ids")))
         .values(sent_at=sa.bindparam("now"), attempts=outbox.c.attempts + 1, last_error=None))
_PARKED = (outbox.update().where(outbox.c.id == sa.bindparam("row_id"))
           .values(dead=True, attempts=outbox.c.attempts + 1, last_error=sa.bindparam("reason")))
_RELEASED = (outbox.update().where(outbox.c.id.in_(_ids("ids")))
             .values(attempts=outbox.c.attempts + 1, last_error=sa.bindparam("error")))
_FREED = leases.delete().where(leases.c.row_id.in_(_ids("ids")))


def settle(engine: Engine, now: datetime, *, confirmed: list[int], rejected: dict[int, str],
           unanswered: list[int], error: str | None = None) -> None:
    """Marks only what the hub confirmed; rejected rows go to the dead-letter list; the rest
    is released to be sent again. Each row counts one more attempt."""
    with _write(engine) as conn, conn.begin():
        if confirmed:
            conn.execute(_SENT, {"ids": confirmed, "now": now})
        if rejected:
            conn.execute(_PARKED, [{"row_id": k, "reason": v} for k, v in rejected.items()])
        if unanswered:
            conn.execute(_RELEASED, {"ids": unanswered, "error": error})
        conn.execute(_FREED, {"ids": [*confirmed, *rejected, *unanswered]})


def backlog(engine: Engine) -> Backlog:
    with engine.connect() as conn:
        pending, oldest = conn.execute(
            sa.select(sa.func.count(), sa.func.min(outbox.c.created_at))
            .where(outbox.c.sent_at.is_(None), outbox.c.dead.is_(False))
        ).one()
        dead = conn.execute(sa.select(sa.func.count()).where(outbox.c.dead.is_(True))).scalar()
    return Backlog(pending, oldest, dead)


def chain_report(engine: Engine) -> dict | None:
    """The chain position sent with each batch. The hall's own chain: `head`, its newest
    seq, and `low`, the seq of its oldest record the hub has not confirmed (head + 1 if
    none): every record below `low` was confirmed, so the hub can tell a hole there from a
    batch still on its way. A forwarding hub, once its outbox is drained, adds `forwarded`:
    per hall whose chain it verified, the seq after its verified head; every record of that
    hall up to the head was queued here with its link and has now been confirmed upstream.
    None when there is nothing to report."""
    with engine.connect() as conn:
        # Heads before the outbox: records behind a head entered the outbox in the same
        # transaction that moved it, so if none is pending now, none of them can be.
        verified = conn.execute(sa.select(HubChainHead.hall_code, HubChainHead.seq)).all()
        head = conn.execute(sa.select(ChainHead.seq).where(ChainHead.id == 1)).scalar()
        oldest = conn.execute(
            sa.select(outbox.c.seq).where(outbox.c.sent_at.is_(None), outbox.c.dead.is_(False))
            .order_by(outbox.c.id).limit(1)).first()
    report: dict = {}
    if head is not None:
        if oldest is None:
            report = {"low": head + 1, "head": head}
        else:
            report = {"low": oldest.seq, "head": head} if oldest.seq is not None else {
                "head": head}
    if verified and oldest is None:
        report["forwarded"] = {hall: {"low": seq + 1} for hall, seq in verified if seq}
    return report or None


def dead_letters(engine: Engine, limit: int = 100) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(outbox.c.id, outbox.c.kind, outbox.c.record_id, outbox.c.created_at,
                      outbox.c.last_error).where(outbox.c.dead.is_(True))
            .order_by(outbox.c.id).limit(limit)
        ).all()


def requeue_dead(engine: Engine, row_ids: list[int] | None = None) -> int:
    """After a fix upstream, a manager sends parked rows again."""
    cond = outbox.c.dead.is_(True)
    if row_ids:
        cond = sa.and_(cond, outbox.c.id.in_(row_ids))
    with _write(engine) as conn, conn.begin():
        return conn.execute(outbox.update().where(cond).values(dead=False, last_error=None)).rowcount


def read_state(engine: Engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(state).where(state.c.id == STATE_ID)).first()


def _upsert_state(conn, values: dict) -> None:
    if conn.execute(state.update().where(state.c.id == STATE_ID).values(**values)).rowcount == 0:
        base = {"id": STATE_ID, "consecutive_failures": 0, "sent_total": 0}
        conn.execute(state.insert().values(**{**base, **values}))


def note_success(engine: Engine, now: datetime, sent: int) -> None:
    with _write(engine) as conn, conn.begin():
        _upsert_state(conn, {"last_attempt_at": now, "last_success_at": now,
                             "consecutive_failures": 0})
        conn.execute(state.update().where(state.c.id == STATE_ID)
                     .values(sent_total=state.c.sent_total + sent))


def note_failure(engine: Engine, now: datetime, error: str) -> int:
    with _write(engine) as conn, conn.begin():
        _upsert_state(conn, {"last_attempt_at": now, "last_error_at": now,
                             "last_error": error[:2000]})
        conn.execute(state.update().where(state.c.id == STATE_ID)
                     .values(consecutive_failures=state.c.consecutive_failures + 1))
        return conn.execute(sa.select(state.c.consecutive_failures)
                            .where(state.c.id == STATE_ID)).scalar()


def note_config_fetched(engine: Engine, now: datetime) -> None:
    with _write(engine) as conn, conn.begin():
        _upsert_state(conn, {"config_fetched_at": now})
