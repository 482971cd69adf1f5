"""Invitations: a business system asks the window to collect a rating for one case."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import Invitation, Rating, ServiceItem, Staff, Window
from kiosk.models.base import utcnow
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError
from kiosk.timeutil import to_local, to_utc
from kiosk.workdays import CalendarRangeError, workday_deadline

RATING_WINDOW_WORKDAYS = 5  # a case not rated within 5 working days gets the default rating
CASE_NO_MAX = 50


@dataclass
class InviteResult:
    invitation: Invitation
    created: bool  # False: the case already had a pending invitation, shown again


def _lookup(model, column, value, code: str, label: str):
    if value in (None, ""):
        return None
    found = db.session.scalars(sa.select(model).where(column == value)).first()
    if found is None:
        raise NotFound(code, _l("%(label)s %(value)s 不存在。", label=label, value=value))
    return found


def create_invitation(
    *, window_code: str, case_no: str, service_code=None, staff_no=None, client=None
) -> InviteResult:
    case_no = (case_no or "").strip() if isinstance(case_no, str) else ""
    if not case_no or len(case_no) > CASE_NO_MAX:
        raise RatingError("bad_case_no", _l("办件编号必填，最长 %(n)d 个字符。", n=CASE_NO_MAX))
    with write_transaction(db.session()):
        return _create(window_code, case_no, service_code, staff_no, client)


def _create(window_code, case_no, service_code, staff_no, client) -> InviteResult:
    window = _lookup(Window, Window.code, window_code, "unknown_window", _l("窗口"))
    if window is None:
        raise RatingError("bad_window", _l("窗口编号必填。"))
    service = _lookup(ServiceItem, ServiceItem.code, service_code, "unknown_service", _l("事项"))
    staff = _lookup(Staff, Staff.staff_no, staff_no, "unknown_staff", _l("工号"))
    if staff is None:
        staff = window.staff

    if db.session.scalars(sa.select(Rating.id).where(Rating.case_no == case_no)).first():
        raise AlreadyRated("already_rated", _l("办件 %(case)s 已经评价过。", case=case_no))

    now = utcnow()
    screen_until = now + timedelta(seconds=current_app.config["INVITE_SCREEN_SECONDS"])
    pending = db.session.scalars(
        sa.select(Invitation).where(Invitation.case_no == case_no, Invitation.status == "pending")
    ).first()
    if pending is not None:
        # The clerk pressed 请评价 again: offer the same invitation again, at this window.
        withdraw_older_offers(window.id, now, keep=pending.id)
        pending.window_id, pending.invited_at, pending.screen_until = window.id, now, screen_until
        db.session.commit()
        return InviteResult(pending, created=False)
    withdraw_older_offers(window.id, now)

    invitation = Invitation(
        case_no=case_no,
        window_id=window.id,
        service_id=service.id if service else None,
        staff_id=staff.id if staff else None,
        invited_at=now,
        screen_until=screen_until,
        expires_at=rating_deadline(now),
        status="pending",
        client=client,
    )
    db.session.add(invitation)
    db.session.commit()
    return InviteResult(invitation, created=True)


def withdraw_older_offers(window_id: int, now: datetime, keep: int | None = None) -> None:
    """A new invitation at a window takes the screen and the evaluator from any older one
    still on offer there (its citizen has left). The older case stays pending: its later link
    and its default rating still apply."""
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.window_id == window_id, Invitation.status == "pending",
               Invitation.screen_until > now, Invitation.id != (keep or 0))
        .values(screen_until=now)
        .execution_options(synchronize_session=False))


def rating_deadline(invited_at: datetime) -> datetime | None:
    """End of the 5th working day after the invitation; None beyond the known calendar."""
    try:
        return to_utc(workday_deadline(to_local(invited_at), RATING_WINDOW_WORKDAYS))
    except CalendarRangeError:
        current_app.logger.warning(
            "no official calendar for the deadline of an invitation of %s", invited_at
        )
        return None


def current_invitation(window: Window) -> Invitation | None:
    """The invitation the window's screen and evaluator offer now, if any."""
    return db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.window_id == window.id,
            Invitation.status == "pending",
            Invitation.screen_until > utcnow(),
        )
        .order_by(Invitation.invited_at.desc())
        .limit(1)
    ).first()
