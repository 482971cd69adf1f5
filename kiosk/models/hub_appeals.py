"""Appeals a hall forwarded to the hub for an upper-level decision (申诉复核), and the
decision that flows back down with the hall's published config."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow


class HubAppeal(db.Model):
    __tablename__ = "hub_appeal"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)  # the hall's appeal id
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    origin_hall: Mapped[str] = mapped_column(sa.String(40), index=True)
    filed_by: Mapped[str] = mapped_column(sa.String(64))
    filed_at: Mapped[datetime]
    ground: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    # Set when the hall's own event says it applied the decision: published until then.
    applied_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status"),
    )
