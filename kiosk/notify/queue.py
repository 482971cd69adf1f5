"""Queueing an SMS invitation in the invitation's own transaction (no network here)."""
import sqlalchemy as sa
from flask import current_app

from kiosk.extensions import db
from kiosk.models import Invitation
from kiosk.models.notify import SmsNotice
from kiosk.privacy import mask_phone


def sms_enabled() -> bool:
    return bool(current_app.config.get("SMS_GATEWAY"))


def queue_sms_invitation(invitation: Invitation, phone: str) -> SmsNotice | None:
    """One SMS per invitation, and only where the hall has a gateway; the caller commits."""
    if not sms_enabled():
        return None
    existing = db.session.scalars(
        sa.select(SmsNotice).where(SmsNotice.invitation_id == invitation.id)).first()
    if existing is not None:
        return existing
    notice = SmsNotice(invitation_id=invitation.id, phone=phone, phone_masked=mask_phone(phone),
                       status="pending", attempts=0, next_attempt_at=invitation.invited_at,
                       created_at=invitation.invited_at)
    db.session.add(notice)
    return notice
