"""Every read of a citizen's phone number, by whom and why (rule 11). Append only."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow


class PhoneAccessLog(db.Model):
    __tablename__ = "phone_access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    username: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(10))
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rating.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
