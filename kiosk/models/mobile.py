"""The QR mobile channel: one-time codes on the touchscreen, photos, supplements, rate limits."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.base import utcnow


class MobileToken(db.Model):
    """A single-use code shown on the touchscreen while an invitation is open.

    The token is 128 random bits (unguessable), so it is stored as is: the touchscreen has to
    show the same code on every poll."""

    __tablename__ = "mobile_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RatingSupplement(db.Model):
    """补充评价: added through the query code within 5 working days; never a second rating."""

    __tablename__ = "rating_supplement"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)  # uuid7
    # One supplement per rating (评价次数 2).
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rating.id"), unique=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("length(comment) <= 500", name="comment_len"),)


class RatingPhoto(db.Model):
    """A photo a citizen attached, decoded, stripped of metadata and re-encoded on arrival."""

    __tablename__ = "rating_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rating.id"), index=True)
    supplement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("rating_supplement.id")
    )
    # Relative to the instance folder.
    path: Mapped[str] = mapped_column(sa.String(200), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(20))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RatingReply(db.Model):
    """The hall's answer to a comment on a rating that opened no 差评 case (a 差评 is
    answered through its case); the citizen reads it on /q."""

    __tablename__ = "rating_reply"
    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rating.id"), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("length(text) BETWEEN 1 AND 500", name="text_len"),)

