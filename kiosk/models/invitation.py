"""An invitation to rate one case (办件) at one window."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

INVITATION_STATUSES = ("pending", "rated", "expired", "defaulted")


class Invitation(db.Model):
    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(sa.String(50), index=True)  # 办件编号
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_item.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Until when the window's screen and evaluator offer this invitation.
    screen_until: Mapped[datetime]
    # After this the case gets the default rating (5 working days). None while the official
    # calendar does not reach that far: the default-rating job fills it in later.
    expires_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    client: Mapped[str | None] = mapped_column(sa.String(64))  # API token name that invited
    # What a citizen can answer to find the case on /m/case: the receipt's short code, and
    # the last four digits of the phone the business system passed (never the whole number).
    short_code: Mapped[str | None] = mapped_column(sa.String(8))
    phone_last4: Mapped[str | None] = mapped_column(sa.String(4))

    window = relationship("Window")
    service = relationship("ServiceItem")
    staff = relationship("Staff")

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'rated', 'expired', 'defaulted')", name="status"
        ),
        sa.Index("ix_invitation_window_status", "window_id", "status"),
    )
