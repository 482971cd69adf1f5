"""One-time codes: the touchscreen shows a QR bound to the open invitation, so the citizen can
rate that exact case on their own phone. Whichever channel answers first rates the case: the
ratings service's claim of the invitation guarantees that; the token only opens the page."""
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import Invitation
from kiosk.models.base import utcnow
from kiosk.models.mobile import MobileToken
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError

DEFAULT_TOKEN_SECONDS = 15 * 60  # time to scan, read and type a comment on a phone


def _token_seconds() -> int:
    return int(current_app.config.get("MOBILE_TOKEN_SECONDS", DEFAULT_TOKEN_SECONDS))


def token_for_invitation(invitation: Invitation, now: datetime | None = None) -> str | None:
    """The live token for an invitation on screen, made on first use. None once used."""
    now = now or utcnow()
    found = _by_invitation(invitation.id)
    if found is not None and found.used_at is not None:
        return None
    if found is not None and found.expires_at > now:
        return found.token
    expires_at = now + timedelta(seconds=_token_seconds())
    if invitation.expires_at is not None:  # None: its deadline awaits the next year's calendar
        expires_at = min(expires_at, invitation.expires_at)
    try:
        with write_transaction(db.session()) as conn:
            fresh = secrets.token_urlsafe(32)
            if found is None:
                conn.execute(sa.insert(MobileToken).values(
                    token=fresh, invitation_id=invitation.id, created_at=now,
                    expires_at=expires_at))
            else:  # re-invited after the old code expired: a new code, the old one is dead
                conn.execute(sa.update(MobileToken).where(
                    MobileToken.id == found.id, MobileToken.used_at.is_(None)
                ).values(token=fresh, created_at=now, expires_at=expires_at))
            db.session.commit()
    except IntegrityError:  # another poll made it a moment ago
        db.session.rollback()
    found = _by_invitation(invitation.id)
    return found.token if found is not None and found.used_at is None else None


def _by_invitation(invitation_id: int) -> MobileToken | None:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(MobileToken).where(MobileToken.invitation_id == invitation_id)
    ).first()


def open_token(token: str, now: datetime | None = None) -> tuple[MobileToken, Invitation]:
    """The token and its invitation if it can still rate; else a RatingError saying why."""
    now = now or utcnow()
    found = db.session.scalars(sa.select(MobileToken).where(MobileToken.token == token)).first()
    if found is None:
        raise NotFound("token_unknown", _l("二维码无效，请在窗口重新扫描。"))
    invitation = db.session.get(Invitation, found.invitation_id)
    if found.used_at is not None or invitation.status in ("rated", "defaulted"):
        raise AlreadyRated("token_used", _l("该办件已经评价过，感谢您的参与。此二维码已失效。"))
    if found.expires_at <= now or invitation.status != "pending":
        raise RatingError(
            "token_expired", _l("二维码已过期，请在窗口重新扫描，或请工作人员重新发起评价。"),
            status=410,
        )
    return found, invitation


def mark_used(token_id: int, now: datetime | None = None) -> None:
    with write_transaction(db.session()) as conn:
        conn.execute(sa.update(MobileToken).where(MobileToken.id == token_id)
                     .values(used_at=now or utcnow()))
        db.session.commit()
