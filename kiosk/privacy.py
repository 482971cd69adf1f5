"""Citizens' phone numbers: masked everywhere, revealed only to entitled staff, every read logged.

Rule 11: access by role, every read of personal data logged. The 差评 workflow reuses
reveal_phone() for handlers, saying whether the handler answers for the case.
"""
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import PhoneAccessLog, Rating
from kiosk.phones import mask_phone

__all__ = ["RevealRefused", "mask_phone", "may_reveal", "reveal_phone"]

REVEAL_ROLES = ("admin", "manager")
REASON_MAX = 200


class RevealRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def may_reveal(user, *, responsible: bool = False) -> bool:
    """Managers and admins; a handler only for a 差评 case they answer for (responsible:
    kiosk.cases.service.is_responsible — assigned to them, or handed to their department)."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role in REVEAL_ROLES:
        return True
    return user.role == "handler" and responsible


def reveal_phone(rating: Rating, user, reason: str, *, responsible: bool = False) -> str:
    """The full number, after writing who/when/which/why to the access log (committed).

    Handlers may see only the numbers of the cases they answer for (responsible=True).
    Raises RevealRefused when the user is not entitled or gives no reason.
    """
    reason = (reason or "").strip()
    if not may_reveal(user, responsible=responsible):
        raise RevealRefused(_l("您无权查看完整手机号码。"))
    if not reason:
        raise RevealRefused(_l("请填写查看原因（例如：回访）。"))
    if len(reason) > REASON_MAX:
        raise RevealRefused(_l("原因最多 %(n)d 个字。", n=REASON_MAX))
    rating_id = rating.id
    with write_transaction(db.session()):
        phone = db.session.get(Rating, rating_id).phone
        db.session.add(
            PhoneAccessLog(user_id=user.id, username=user.username, role=user.role,
                           rating_id=rating_id, reason=reason)
        )
        db.session.commit()
    if has_request_context():
        g.phone_revealed = True  # the page that shows it is never cached (kiosk/security.py)
    return phone or ""
