"""The hash chain's tables (docs/security.md, tamper evidence).

On a hall: chain_head, the last link given out (one row), next to the outbox's `seq`.
On a hub: per hall, the verified head, the runs of seqs received, the incidents found and
the restores a hall declared. Nothing here is ever deleted or rewritten by the chain code
except a head moving forward, runs growing and merging, and runs retired by a declared
restore.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow


class ChainHead(db.Model):
    """The hall's last link: seq and hash of the newest record queued upstream. Kept apart
    from the outbox so that deleting the newest records still leaves a visible gap."""

    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))


class HubChainHead(db.Model):
    """How far a hall's chain is verified without a hole: links 1..seq all seen."""

    __tablename__ = "hub_chain_head"
    hall_code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    hash: Mapped[str | None] = mapped_column(sa.String(64))  # None: unknown, after a gap
    reported_seq: Mapped[int | None] = mapped_column(sa.BigInteger)  # the hall's own head
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubChainRun(db.Model):
    """A stretch of consecutive seqs a hall sent, first_seq..last_seq: the links inside it
    are in the stored records (their link columns); the ends are kept here to join the next
    batch. A hall's live runs (retired_by = 0) never touch (adjacent ones are merged), so
    normally there is one, growing with every batch. retired_by: the declared restore that
    set the run aside (kept, never deleted)."""

    __tablename__ = "hub_chain_run"
    hall_code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    retired_by: Mapped[int] = mapped_column(primary_key=True, default=0)
    first_seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    first_prev: Mapped[str] = mapped_column(sa.String(64))
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)
    last_hash: Mapped[str] = mapped_column(sa.String(64))

    # The runs reaching up to a batch: those ending at or after its first seq.
    __table_args__ = (sa.Index("ix_hub_chain_run_last", "hall_code", "retired_by", "last_seq"),)


class HubIntegrityIncident(db.Model):
    """A break in a hall's chain: kept until a person has looked, never repaired."""

    __tablename__ = "hub_integrity_incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # see kiosk/hub/chain_check.py KINDS
    seq_from: Mapped[int | None] = mapped_column(sa.BigInteger)
    seq_to: Mapped[int | None] = mapped_column(sa.BigInteger)
    count: Mapped[int] = mapped_column(default=1)
    record_id: Mapped[str | None] = mapped_column(sa.String(36))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    batch_id: Mapped[str | None] = mapped_column(sa.String(40))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A supervisor looked at it (kiosk/hub/incident_review.py): said so, with a comment.
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(64))
    review_note: Mapped[str | None] = mapped_column(sa.String(500))


class HubChainRestore(db.Model):
    """A hall said it was restored from a backup: its chain rewinds to (seq, hash)."""

    __tablename__ = "hub_chain_restore"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))
    hub_seq_before: Mapped[int] = mapped_column(sa.BigInteger)
    matches: Mapped[bool]  # the hub had the same hash at seq (else: also an incident)
    retired: Mapped[int] = mapped_column(default=0)  # seqs past seq set aside
    note: Mapped[str] = mapped_column(sa.String(300), default="")
