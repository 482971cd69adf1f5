"""Reads and writes of upstream_delivery and upstream_cursor: short transactions, and every
statement is scoped to one upstream, so two upstreams never wait on each other's rows."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.db_setup import IMMEDIATE
from kiosk.models import OutboxEntry, UpstreamCursor, UpstreamDelivery

outbox = OutboxEntry.__table__
delivery = UpstreamDelivery.__table__
cursor = UpstreamCursor.__table__
RETRY_FIRST = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


@dataclass
class Due:
    delivery_id: int
    outbox_id: int
    record_id: str
    attempts: int
    payload_text: str


def _write(engine: Engine):
    return engine.connect().execution_options(**{IMMEDIATE: True})


def retry_delay(attempts: int) -> timedelta:
    """30 s doubling per failed attempt, capped at an hour (补报 of a down province)."""
    return min(RETRY_CAP, RETRY_FIRST * 2 ** max(attempts - 1, 0))


def take_new(engine: Engine, upstream: str, now: datetime, limit: int = 500) -> int:
    """Gives this upstream a pending row for each new rating in the outbox past its cursor."""
    with _write(engine) as conn, conn.begin():
        last = conn.execute(sa.select(cursor.c.last_outbox_id)
                            .where(cursor.c.upstream == upstream)).scalar()
        if last is None:
            conn.execute(cursor.insert().values(upstream=upstream, last_outbox_id=0))
            last = 0
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.kind, outbox.c.record_id)
            .where(outbox.c.id > last).order_by(outbox.c.id).limit(limit)
        ).all()
        if not rows:
            return 0
        # Later events on a rating (差评 case status) are our hub's business only.
        new = [{"upstream": upstream, "outbox_id": r.id, "record_id": r.record_id,
                "status": "pending", "attempts": 0, "next_attempt_at": now,
                "created_at": now, "updated_at": now} for r in rows if r.kind == "rating"]
        if new:
            conn.execute(delivery.insert(), new)
        conn.execute(cursor.update().where(cursor.c.upstream == upstream)
                     .values(last_outbox_id=rows[-1].id))
        return len(new)


def due(engine: Engine, upstream: str, now: datetime, limit: int) -> list[Due]:
    """Pending and failed rows whose time has come, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(delivery.c.id, delivery.c.outbox_id, delivery.c.record_id,
                      delivery.c.attempts, sa.cast(outbox.c.payload, sa.Text))
            .join(outbox, outbox.c.id == delivery.c.outbox_id)
            .where(delivery.c.upstream == upstream,
                   delivery.c.status.in_(("pending", "failed")),
                   delivery.c.next_attempt_at <= now)
            .order_by(delivery.c.next_attempt_at, delivery.c.id).limit(limit)
        ).all()
    return [Due(*r) for r in rows]


def _update(engine: Engine, delivery_id: int, **values) -> None:
    with _write(engine) as conn, conn.begin():
        conn.execute(delivery.update().where(delivery.c.id == delivery_id).values(**values))


def mark_accepted(engine: Engine, item: Due, now: datetime, receipt_id: str | None) -> None:
    _update(engine, item.delivery_id, status="accepted", receipt_id=receipt_id, last_error=None,
            attempts=item.attempts + 1, next_attempt_at=None, updated_at=now)


def mark_failed(engine: Engine, item: Due, now: datetime, error: str) -> None:
    attempts = item.attempts + 1
    _update(engine, item.delivery_id, status="failed", last_error=error[:2000],
            attempts=attempts, next_attempt_at=now + retry_delay(attempts), updated_at=now)


def mark_held(engine: Engine, item: Due, now: datetime, reasons: list[str]) -> None:
    _update(engine, item.delivery_id, status="held", last_error="; ".join(reasons),
            next_attempt_at=None, updated_at=now)


def release_held(engine: Engine, upstream: str, now: datetime,
                 delivery_ids: list[int] | None = None) -> int:
    """After the hall's data was corrected (e.g. the region code), check held rows again."""
    cond = sa.and_(delivery.c.upstream == upstream, delivery.c.status == "held")
    if delivery_ids:
        cond = sa.and_(cond, delivery.c.id.in_(delivery_ids))
    with _write(engine) as conn, conn.begin():
        return conn.execute(delivery.update().where(cond).values(
            status="pending", next_attempt_at=now, updated_at=now)).rowcount


def counts(engine: Engine, upstream: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(delivery.c.status, sa.func.count())
            .where(delivery.c.upstream == upstream).group_by(delivery.c.status)
        ).all()
    return {status: 0 for status in ("pending", "accepted", "failed", "held")} | dict(rows)


def last_error(engine: Engine, upstream: str):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(delivery.c.updated_at, delivery.c.last_error)
            .where(delivery.c.upstream == upstream, delivery.c.status == "failed")
            .order_by(delivery.c.updated_at.desc()).limit(1)
        ).first()


def held_records(engine: Engine, upstream: str | None = None, limit: int = 200) -> list[dict]:
    """Held records with their reasons, for `flask sync held` and the manager's page."""
    rating = outbox.c.payload
    with engine.connect() as conn:
        query = (sa.select(delivery.c.id, delivery.c.upstream, delivery.c.record_id,
                           delivery.c.last_error, delivery.c.updated_at, rating)
                 .join(outbox, outbox.c.id == delivery.c.outbox_id)
                 .where(delivery.c.status == "held"))
        if upstream:
            query = query.where(delivery.c.upstream == upstream)
        rows = conn.execute(query.order_by(delivery.c.id).limit(limit)).all()
    return [{"delivery_id": r.id, "upstream": r.upstream, "record_id": r.record_id,
             "case_no": (r.payload or {}).get("case_no"),
             "window_code": (r.payload or {}).get("window_code"),
             "reason": r.last_error, "held_at": r.updated_at} for r in rows]


def delivery_of(engine: Engine, upstream: str, record_id: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(delivery).where(delivery.c.upstream == upstream,
                                                      delivery.c.record_id == record_id)).first()
