"""Per-upstream delivery of records to profile upstreams (a province, the national platform).

Our own hub is fed by the outbox's own columns (sent_at, dead); every other upstream keeps
one row per record here, so each upstream advances, fails and re-submits (补报) on its own.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow

DELIVERY_STATUSES = ("pending", "accepted", "failed", "held", "dead")


class UpstreamDelivery(db.Model):
    __tablename__ = "upstream_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    upstream: Mapped[str] = mapped_column(sa.String(40))  # the name in UPSTREAMS
    outbox_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id"))
    record_id: Mapped[str] = mapped_column(sa.String(36))  # the rating's uuid
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    receipt_id: Mapped[str | None] = mapped_column(sa.String(100))  # e.g. evaluateUnid
    last_error: Mapped[str | None] = mapped_column(sa.Text)  # or the reason it is held
    attempts: Mapped[int] = mapped_column(default=0)
    # Answers that refused this record: past the upstream's max_refusals it goes dead
    # (an unreachable upstream is not the record's fault and never counts here).
    refusals: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("upstream", "outbox_id", name="uq_upstream_delivery"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'failed', 'held', 'dead')", name="status"
        ),
        sa.Index("ix_upstream_delivery_due", "upstream", "status", "next_attempt_at"),
    )


class UpstreamCursor(db.Model):
    """How far into the outbox an upstream has taken records (its own cursor)."""

    __tablename__ = "upstream_cursor"
    upstream: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_outbox_id: Mapped[int] = mapped_column(default=0)
