"""Decisions on a 差评 case that must be kept whole: every deadline it had, extension
requests and their approval, appeals (申诉复核) and their decision, and the exclusion of a
rating from statistics. Rows are added and decided, never deleted."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow

EXTENSION_STATUSES = ("pending", "approved", "refused")
APPEAL_DECIDERS = ("hall", "hub")
APPEAL_STATES = ("pending", "accepted", "rejected")
EXCLUSION_GROUNDS = ("mistaken", "malicious")  # 误评, 恶意评价
EXCLUSION_SOURCES = ("verification", "appeal")


class CaseDeadline(db.Model):
    """One deadline of a case: the original one, then one per approved extension. The one in
    force at time t is the latest whose effective_at ≤ t (kiosk/cases/deadlines.py)."""

    __tablename__ = "case_deadline"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("bad_case.id"), index=True)
    due_at: Mapped[datetime]
    effective_at: Mapped[datetime]  # registration, or the approval of the extension
    extension_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_extension.id"))
    set_by: Mapped[str] = mapped_column(sa.String(64))  # "system", or who approved


class CaseExtension(db.Model):
    """A request for a later deadline (延期): asked before the due date, decided by another."""

    __tablename__ = "case_extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("bad_case.id"), index=True)
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    new_due_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status"),
    )


class CaseAppeal(db.Model):
    """An appeal against a 差评 (申诉): decided by someone other than the appellant, at the
    hall or, when forwarded, at the hub. `id` travels with the events in both directions."""

    __tablename__ = "case_appeal"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("bad_case.id"), index=True)
    filed_by: Mapped[str] = mapped_column(sa.String(64))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)
    ground: Mapped[str] = mapped_column(sa.String(10))  # what the appellant claims
    decider: Mapped[str] = mapped_column(sa.String(4))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(sa.String(80))  # "hub:<user>" from above
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status"),
        sa.CheckConstraint("decider IN ('hall', 'hub')", name="decider"),
        sa.CheckConstraint("ground IN ('mistaken', 'malicious')", name="ground"),
    )


class RatingExclusion(db.Model):
    """Why a rating counts in no statistic: the verified 误评/恶意, who decided, and how."""

    __tablename__ = "rating_exclusion"
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rating.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("bad_case.id"))
    ground: Mapped[str] = mapped_column(sa.String(10))
    source: Mapped[str] = mapped_column(sa.String(12))
    appeal_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case_appeal.id"))
    decided_by: Mapped[str] = mapped_column(sa.String(80))
    decided_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.CheckConstraint("ground IN ('mistaken', 'malicious')", name="ground"),
        sa.CheckConstraint("source IN ('verification', 'appeal')", name="source"),
    )
