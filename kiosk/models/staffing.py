"""Who served at which window when, and when the window was paused (暂停服务).

Both are intervals: ended_at is NULL while open. Assessment time excludes paused time.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

PAUSE_REASONS = ("午休", "培训", "临时离开", "其他")


class StaffSession(db.Model):
    """A clerk signed in at a window (from the touchscreen with PIN, or by a manager)."""

    __tablename__ = "staff_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    via: Mapped[str] = mapped_column(sa.String(10))  # touch | admin
    signed_in_by: Mapped[str] = mapped_column(sa.String(64))

    window = relationship("Window")
    staff = relationship("Staff")

    __table_args__ = (
        sa.CheckConstraint("via IN ('touch', 'admin')", name="via"),
        sa.Index("ix_staff_session_window_started", "window_id", "started_at"),
    )


class WindowPause(db.Model):
    __tablename__ = "window_pause"
    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(10))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    paused_by: Mapped[str] = mapped_column(sa.String(64))

    window = relationship("Window")

    __table_args__ = (
        sa.CheckConstraint("reason IN ('午休', '培训', '临时离开', '其他')", name="reason"),
        sa.Index("ix_window_pause_window_started", "window_id", "started_at"),
    )


class PinThrottle(db.Model):
    """Failed PIN attempts per key ("staff:<id>" or "window:<code>"), locked like logins."""

    __tablename__ = "pin_throttle"
    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
