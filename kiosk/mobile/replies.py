"""The hall's reply to a rating's comment (a rating that opened no 差评 case)."""
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models.mobile import RatingReply


def reply_of(rating_id) -> RatingReply | None:
    return db.session.scalars(
        sa.select(RatingReply).where(RatingReply.rating_id == rating_id)).first()
