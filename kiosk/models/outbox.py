"""Transactional outbox: written in the same commit as the rating; the sync daemon drains it."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow


class OutboxEntry(db.Model):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "rating" or "rating_event"
    record_id: Mapped[str] = mapped_column(sa.String(36), index=True)  # the rating's uuid
    # The record as JSON text, kept byte for byte: its link's hash covers these bytes.
    payload: Mapped[dict] = mapped_column(sa.JSON)
    # What travels beside it (kiosk/integrity/chain.py envelope): its link, and for a record
    # a hub forwards the hall it came from. JSON text; None for a record with neither.
    envelope: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    dead: Mapped[bool] = mapped_column(default=False)  # rejected upstream: parked for a human
    # The record's place in the hall's hash chain (its envelope holds the link); None for a
    # record another hall wrote that a hub forwards (kiosk/integrity/).
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)

    __table_args__ = (sa.Index("ix_outbox_pending", "sent_at", "dead", "id"),)


class OutboxLease(db.Model):
    """The sync daemon's lease on an outbox row while its batch is in flight
    (kiosk/sync/store.py). A table of its own: leasing a row and letting it go then write
    this small row, not the record's, which a batch of thousands would otherwise rewrite
    twice."""
    __tablename__ = "outbox_lease"
    row_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id", ondelete="CASCADE"),
                                        primary_key=True)
    claimed_until: Mapped[datetime]
    # Which claim took it (random): the claim reads its rows back by this, not by a list.
    claim: Mapped[int] = mapped_column(sa.BigInteger, index=True)
