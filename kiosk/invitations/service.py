"""Invitations: a business system asks the window to collect a rating for one case."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.later.codes import new_short_code, phone_last4
from kiosk.models import Invitation, Rating, ServiceItem, Staff, Window
from kiosk.models.base import utcnow
from kiosk.notify.queue import queue_sms_invitation
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError
from kiosk.ratings.service import PHONE_RE
from kiosk.stats import rollup
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
    *, window_code: str, case_no: str, service_code=None, staff_no=None, client=None,
    phone: str | None = None, send_sms: bool | None = None,
) -> InviteResult:
    """phone: the citizen's mobile number as the business system knows it. Its last four
    digits let the citizen find the case later; with an SMS gateway configured (and unless
    send_sms is False) the case's rating link goes to it by SMS."""
    case_no = (case_no or "").strip() if isinstance(case_no, str) else ""
    if not case_no or len(case_no) > CASE_NO_MAX:
        raise RatingError("bad_case_no", _l("办件编号必填，最长 %(n)d 个字符。", n=CASE_NO_MAX))
    phone = (phone or "").strip() or None
    if phone is not None and not PHONE_RE.match(phone):
        raise RatingError("bad_phone", _l("手机号码格式不正确，应为 11 位数字。"))
    if send_sms and phone is None:
        raise RatingError("phone_required", _l("发送短信需要提供手机号码。"))
    with write_transaction(db.session()):
        result = _create(window_code, case_no, service_code, staff_no, client, phone)
        if phone is not None and send_sms is not False:
            queue_sms_invitation(result.invitation, phone)
        db.session.commit()
        return result


def _create(window_code, case_no, service_code, staff_no, client, phone) -> InviteResult:
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
    # Only this client's own pending invitation is offered again: another business
    # system's invitation for the same case number is not shown to, or moved by, this one.
    pending = db.session.scalars(
        sa.select(Invitation).where(Invitation.case_no == case_no, Invitation.status == "pending",
                                    Invitation.client.is_(client) if client is None
                                    else Invitation.client == client)
    ).first()
    if pending is not None:
        # The clerk pressed 请评价 again: offer the same invitation again, at this window.
        withdraw_older_offers(window.id, now, keep=pending.id)
        # 评价覆盖率 counts it on its new day and window.
        rollup.count_invitation(db.session.connection(), pending.id, invited=-1)
        pending.window_id, pending.invited_at, pending.screen_until = window.id, now, screen_until
        pending.short_code = pending.short_code or new_short_code()
        pending.phone_last4 = phone_last4(phone) or pending.phone_last4
        db.session.flush()
        rollup.count_invitation(db.session.connection(), pending.id, invited=1)
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
        short_code=new_short_code(),
        phone_last4=phone_last4(phone),
    )
    db.session.add(invitation)
    db.session.flush()
    rollup.count_invitation(db.session.connection(), invitation.id, invited=1)
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
