"""A rating: one citizen's judgement of one service event. Never deleted."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

# "later": the case's own link or code (receipt, SMS) within its 5 working days.
CHANNELS = ("touch", "evaluator", "qr", "later", "default")


class Rating(db.Model):
    __tablename__ = "rating"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)  # uuid7: time-ordered
    # Internal scale = national direction: 1 非常满意 … 5 非常不满意 (see kiosk/ratings/levels.py).
    level: Mapped[int]
    scale: Mapped[int]
    channel: Mapped[str] = mapped_column(sa.String(10))
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_item.id"))
    # Responsible department: the service item's, else the window's, fixed when rated.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitation.id"), unique=True)
    # 一次一评: the database itself refuses a second rating of a case.
    case_no: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    reason_version: Mapped[int | None]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    rated_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninvited: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)
    excluded: Mapped[bool] = mapped_column(default=False)  # after an accepted appeal
    query_code: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    # De-duplication of device events, e.g. "evp:<serial>:<event_id>".
    source_ref: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    # The counter device that made the rating (evaluator channel): its serial, its bus
    # address and how many keys it has (a four-key SLZ-68 evaluator has no 非常不满意).
    device_serial: Mapped[str | None] = mapped_column(sa.String(64))
    device_address: Mapped[int | None]
    device_keys: Mapped[int | None]

    window = relationship("Window")
    staff = relationship("Staff")
    service = relationship("ServiceItem")
    department = relationship("Department")

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        sa.CheckConstraint("scale IN (3, 5)", name="scale"),
        sa.CheckConstraint(
            "channel IN ('touch', 'evaluator', 'qr', 'later', 'default')", name="channel"
        ),
        sa.CheckConstraint("length(comment) <= 500", name="comment_len"),
        sa.Index("ix_rating_window_rated", "window_id", "rated_at"),
        sa.Index("ix_rating_department_rated", "department_id", "rated_at"),
    )
