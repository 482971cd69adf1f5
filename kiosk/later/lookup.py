"""Opening a case's rating page: by its link, or by 办件编号 plus the citizen's check."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.later.codes import check_matches
from kiosk.later.links import invitation_id_from
from kiosk.models import Invitation
from kiosk.models.base import utcnow
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError

CASE_NO_MAX = 50


def invitation_for_link(token: str, now=None) -> Invitation:
    """The invitation the link rates, or a RatingError saying why it cannot."""
    invitation_id = invitation_id_from(token)
    invitation = db.session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None:
        raise NotFound("link_unknown", _l("评价链接无效，请核对回执或短信上的链接。"))
    if invitation.status == "rated":
        raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。"))
    deadline = invitation.expires_at
    if invitation.status != "pending" or (deadline is not None and (now or utcnow()) > deadline):
        raise RatingError(
            "link_expired", _l("评价期限（办结后 5 个工作日）已过，该办件不能再评价。"), status=410)
    return invitation


def invitation_by_check(case_no: str, check: str) -> Invitation | None:
    """The case's latest invitation if the check is right; None for an unknown case and for
    a wrong check alike (the caller answers both the same way)."""
    case_no = (case_no or "").strip()
    if not case_no or len(case_no) > CASE_NO_MAX:
        return None
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.case_no == case_no)
        .order_by(Invitation.id.desc()).limit(1)
    ).first()
    short_code, last4 = (invitation.short_code, invitation.phone_last4) if invitation else (None, None)
    matched = check_matches(check, short_code, last4)  # compared for unknown cases too
    return invitation if invitation is not None and matched else None
