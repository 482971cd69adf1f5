"""Messages to citizens sent by the sync process through the hall's SMS gateway."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

SMS_STATUSES = ("pending", "sent", "failed", "skipped")


class SmsNotice(db.Model):
    """One SMS invitation with the case's rating link. The full number is kept only until
    the message is settled (sent, given up, or no longer needed); then only the mask stays."""

    __tablename__ = "sms_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    phone_masked: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    gateway_ref: Mapped[str | None] = mapped_column(sa.String(64))  # the gateway's message id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]

    invitation = relationship("Invitation")

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'skipped')", name="status"
        ),
        sa.Index("ix_sms_notice_status_next", "status", "next_attempt_at"),
    )
