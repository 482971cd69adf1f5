"""The hub's tables: the halls it knows, what they sent, and every refused request.

hub_rating keeps each record whole (`record`) plus the columns the dashboard filters on;
a hub that forwards upward copies new rows into its own outbox in the ingest transaction.
"""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow

# Plain json, not jsonb: kept whole and forwarded, never queried inside; cheaper to insert.
JSON_DOC = sa.JSON()


def _chain_index(table: str) -> sa.Index:
    """A hall's stored links by seq, for the rare look-ups (a seq received twice, a declared
    restore); partial, so records without a link cost the index nothing."""
    linked = sa.text("chain_seq IS NOT NULL")
    return sa.Index(f"ix_{table}_chain", "origin_hall", "chain_seq",
                    postgresql_where=linked, sqlite_where=linked)


class HubHall(db.Model):
    """A hall (or a lower hub) allowed to send. Its HMAC key is stored AES-GCM-encrypted
    under the hub's master key (instance/hub_master_key): the hub must recompute HMACs."""

    __tablename__ = "hub_hall"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  # X-Hall-Id
    name: Mapped[str] = mapped_column(sa.String(100))
    key_sealed: Mapped[str] = mapped_column(sa.String(200))
    may_forward: Mapped[bool] = mapped_column(default=False)  # a lower hub: records carry origin_hall
    # The halls a lower hub may send records for; any other origin it names is refused.
    forwards_for: Mapped[list] = mapped_column(JSON_DOC, default=list, server_default="[]")
    active: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(JSON_DOC, default=dict)  # published downward
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sync_at: Mapped[datetime | None]
    reported_backlog: Mapped[int | None]
    reported_oldest_at: Mapped[datetime | None]
    reported_dead: Mapped[int | None]


class HubRating(db.Model):
    __tablename__ = "hub_rating"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    origin_hall: Mapped[str] = mapped_column(sa.String(40))  # where the rating was given
    sender_hall: Mapped[str] = mapped_column(sa.String(40))  # who sent it to us
    rated_at: Mapped[datetime]
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    channel: Mapped[str] = mapped_column(sa.String(10))
    is_default: Mapped[bool]
    excluded: Mapped[bool] = mapped_column(default=False)
    case_status: Mapped[str | None] = mapped_column(sa.String(12))
    case_due_at: Mapped[datetime | None]
    contact_sealed: Mapped[str | None] = mapped_column(sa.String(200))  # phone, master-key sealed
    record: Mapped[dict] = mapped_column(JSON_DOC)
    # The record's link in its hall's hash chain (kiosk/integrity/chain.py), as it came
    # beside the record; None for a record sent without one. The record itself is kept as
    # the text the link covers.
    chain_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    chain_prev: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_hub_rating_hall_rated", "origin_hall", "rated_at"),
                      _chain_index("hub_rating"))


class HubRatingEvent(db.Model):
    __tablename__ = "hub_rating_event"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)  # no FK: may come first
    origin_hall: Mapped[str] = mapped_column(sa.String(40))
    event: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str | None] = mapped_column(sa.String(12))
    due_at: Mapped[datetime | None]
    at: Mapped[datetime]
    record: Mapped[dict] = mapped_column(JSON_DOC)
    # The record's link in its hall's hash chain (kiosk/integrity/chain.py), as it came
    # beside the record; None for a record sent without one. The record itself is kept as
    # the text the link covers.
    chain_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    chain_prev: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (_chain_index("hub_rating_event"),)


class HubBatch(db.Model):
    """One row per accepted batch: what came, what was stored (for operators)."""

    __tablename__ = "hub_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    batch_id: Mapped[str] = mapped_column(sa.String(40))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    records: Mapped[int]
    stored: Mapped[int]
    duplicate: Mapped[int]
    rejected: Mapped[int]
    # Records refused because their id is another hall's, or differs from what is stored.
    conflict: Mapped[int] = mapped_column(default=0, server_default="0")


class HubNonce(db.Model):
    """Nonces seen in the last few minutes: a request replayed with one is refused."""

    __tablename__ = "hub_nonce"
    hall_code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class HubAuthRefusal(db.Model):
    """Refused requests, one row per address, path and reason per hour (`at` is the hour's
    start): a flood of refusals adds to a count instead of writing a row each."""

    __tablename__ = "hub_auth_refusal"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    hall_code: Mapped[str | None] = mapped_column(sa.String(40))  # last claimed by a request
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    path: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.String(40))
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    last_at: Mapped[datetime | None]

    __table_args__ = (sa.UniqueConstraint("remote_addr", "path", "reason", "at",
                                          name="uq_hub_auth_refusal_bucket"),)
