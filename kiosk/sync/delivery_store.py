"""Reads and writes of upstream_delivery and upstream_cursor: short transactions, and every
statement is scoped to one upstream, so two upstreams never wait on each other's rows.

A delivery is pending → accepted, or failed (tried again after a backoff: 补报), or held (a
person must correct the data), or dead (refused max_refusals times: `sync dead` lists and
releases it). Failures to reach the upstream never count towards dead."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.db_setup import IMMEDIATE
from kiosk.models import OutboxEntry, UpstreamCursor, UpstreamDelivery
from kiosk.sync.backoff import backoff
from kiosk.sync.case_events import upstream_kind

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
    refusals: int = 0


def _write(engine: Engine):
    return engine.connect().execution_options(**{IMMEDIATE: True})


def retry_delay(attempts: int) -> timedelta:
    """30 s doubling per failed attempt, capped at an hour (补报 of a down province)."""
    return timedelta(seconds=backoff(attempts, first=RETRY_FIRST.total_seconds(),
                                     cap=RETRY_CAP.total_seconds()))


def take_new(engine: Engine, upstream: str, now: datetime, limit: int = 500) -> int:
    """Gives this upstream a pending row for each new outbox record past its cursor that a
    province receives: ratings, 补充评价 and 整改 events (kiosk/sync/case_events.py)."""
    with _write(engine) as conn, conn.begin():
        last = conn.execute(sa.select(cursor.c.last_outbox_id)
                            .where(cursor.c.upstream == upstream)).scalar()
        if last is None:
            conn.execute(cursor.insert().values(upstream=upstream, last_outbox_id=0))
            last = 0
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.kind, outbox.c.record_id, outbox.c.payload)
            .where(outbox.c.id > last).order_by(outbox.c.id).limit(limit)
        ).all()
        if not rows:
            return 0
        new = [{"upstream": upstream, "outbox_id": r.id, "record_id": r.record_id,
                "status": "pending", "attempts": 0, "refusals": 0, "next_attempt_at": now,
                "created_at": now, "updated_at": now}
               for r in rows if r.kind == "rating" or upstream_kind(r.payload or {})]
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
                      delivery.c.attempts, sa.cast(outbox.c.payload, sa.Text),
                      delivery.c.refusals)
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


def mark_refused(engine: Engine, item: Due, now: datetime, error: str,
                 max_refusals: int) -> bool:
    """The upstream answered no: retried after a backoff, or dead after max_refusals.
    True if the record went dead."""
    attempts, refusals = item.attempts + 1, item.refusals + 1
    dead = refusals >= max_refusals
    _update(engine, item.delivery_id, status="dead" if dead else "failed",
            last_error=error[:2000], attempts=attempts, refusals=refusals,
            next_attempt_at=None if dead else now + retry_delay(attempts), updated_at=now)
    return dead


def mark_waiting(engine: Engine, item: Due, now: datetime) -> None:
    """An event whose rating this upstream has not accepted yet: look again later (the
    province would refuse a 整改 status for a rating it does not know)."""
    _update(engine, item.delivery_id, next_attempt_at=now + RETRY_FIRST, updated_at=now)


def rating_deliveries(engine: Engine, upstream: str, rating_ids: list[str]) -> dict:
    """rating id → (status, receipt_id) of its delivery to this upstream."""
    if not rating_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(delivery.c.record_id, delivery.c.status,
                                      delivery.c.receipt_id)
                            .where(delivery.c.upstream == upstream,
                                   delivery.c.record_id.in_(rating_ids))).all()
    return {r.record_id: (r.status, r.receipt_id) for r in rows}


def dead_records(engine: Engine, upstream: str | None = None, limit: int = 200) -> list:
    with engine.connect() as conn:
        query = (sa.select(delivery.c.id, delivery.c.upstream, delivery.c.record_id,
                           delivery.c.refusals, delivery.c.updated_at, delivery.c.last_error,
                           outbox.c.kind)
                 .join(outbox, outbox.c.id == delivery.c.outbox_id)
                 .where(delivery.c.status == "dead"))
        if upstream:
            query = query.where(delivery.c.upstream == upstream)
        return conn.execute(query.order_by(delivery.c.id).limit(limit)).all()


def release_dead(engine: Engine, now: datetime, upstream: str | None = None,
                 delivery_ids: list[int] | None = None) -> int:
    """After the cause was fixed (with the province, or in our data): try again from zero."""
    cond = delivery.c.status == "dead"
    if upstream:
        cond = sa.and_(cond, delivery.c.upstream == upstream)
    if delivery_ids:
        cond = sa.and_(cond, delivery.c.id.in_(delivery_ids))
    with _write(engine) as conn, conn.begin():
        return conn.execute(delivery.update().where(cond).values(
            status="pending", refusals=0, next_attempt_at=now, updated_at=now)).rowcount


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
    return {status: 0 for status in ("pending", "accepted", "failed", "held", "dead")} | dict(rows)


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
