"""The one place that records a rating.

Every channel (touchscreen, evaluator, QR page, default-rating job) calls record_rating().
It validates everything, then writes the rating, the invitation's new status and the
outbox row in one transaction, so a rating is durable together with its way upstream.
"""
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from kiosk.db_setup import IMMEDIATE
from kiosk.extensions import db
from kiosk.models import Hall, Invitation, OutboxEntry, Rating, ReasonTemplate, Window
from kiosk.models.base import utcnow
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError
from kiosk.ratings.levels import LEVEL_NAMES, is_bad, levels_for_scale
from kiosk.ratings.record import rating_record

COMMENT_MAX = 500
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers
CHANNELS_ASKING_REASONS = ("touch", "qr")  # an evaluator key press cannot give reasons
QUERY_CODE_PREFIX = "PY"
QUERY_CODE_DIGITS = 12


@dataclass
class RecordResult:
    rating: Rating
    created: bool  # False: the same source event was recorded before (device re-sent it)


def current_reasons() -> ReasonTemplate | None:
    return db.session.scalars(
        sa.select(ReasonTemplate).order_by(ReasonTemplate.version.desc()).limit(1)
    ).first()


def new_query_code() -> str:
    return QUERY_CODE_PREFIX + f"{secrets.randbelow(10**QUERY_CODE_DIGITS):0{QUERY_CODE_DIGITS}d}"


def _validate_text(level: int, channel: str, reasons: Sequence[str], comment: str, phone):
    if len(comment) > COMMENT_MAX:
        raise RatingError(
            "comment_too_long", _l("留言最多 %(n)d 个字，当前 %(m)d 个字。", n=COMMENT_MAX, m=len(comment))
        )
    if reasons and not is_bad(level):
        raise RatingError("reasons_not_allowed", _l("只有“不满意”或“非常不满意”时才需选择原因。"))
    if is_bad(level) and channel in CHANNELS_ASKING_REASONS and not reasons:
        raise RatingError("reasons_required", _l("请至少选择一项不满意的原因。"))
    if len(set(reasons)) != len(reasons):
        raise RatingError("reasons_repeated", _l("原因重复。"))
    if phone is not None and not PHONE_RE.match(phone):
        raise RatingError("bad_phone", _l("手机号码格式不正确，应为 11 位数字。"))


def _check_reason_codes(reasons: Sequence[str]) -> int | None:
    """Reasons must come from the current centrally published template; returns its version."""
    if not reasons:
        return None
    template = current_reasons()
    known = {item["code"] for item in template.items} if template else set()
    unknown = [r for r in reasons if r not in known]
    if unknown:
        raise RatingError("bad_reason", _l("未知的原因代码：%(codes)s", codes=", ".join(unknown)))
    return template.version


def _load_invitation(invitation_id: int, window: Window, now: datetime) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.window_id != window.id:
        raise NotFound("invitation_not_found", _l("找不到该评价邀请。"))
    if invitation.status == "rated":
        raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。"))
    if invitation.status != "pending" or invitation.expires_at < now:
        raise RatingError("invitation_expired", _l("该评价邀请已过期。"), status=410)
    return invitation


def record_rating(
    *,
    window_code: str,
    level: int,
    channel: str,
    invitation_id: int | None = None,
    reasons: Sequence[str] = (),
    comment: str = "",
    phone: str | None = None,
    source_ref: str | None = None,
    rated_at: datetime | None = None,
    is_default: bool = False,
) -> RecordResult:
    """Validates and stores one rating with its outbox row in a single commit.

    Raises RatingError (or a subclass) with a clear message; nothing is stored then.
    """
    now = utcnow()
    reasons = list(reasons or [])
    comment = (comment or "").strip()
    phone = (phone or "").strip() or None
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVEL_NAMES:
        raise RatingError("bad_level", _l("评价等级无效。"))
    _validate_text(level, channel, reasons, comment, phone)

    if not db.session().in_transaction():
        # Writers begin with BEGIN IMMEDIATE on SQLite (see db_setup).
        db.session.connection(execution_options={IMMEDIATE: True})
    try:
        if source_ref is not None:
            existing = db.session.scalars(
                sa.select(Rating).where(Rating.source_ref == source_ref)
            ).first()
            if existing is not None:
                db.session.rollback()
                return RecordResult(existing, created=False)

        hall = db.session.scalars(sa.select(Hall).limit(1)).first()
        window = db.session.scalars(sa.select(Window).where(Window.code == window_code)).first()
        if window is None:
            raise NotFound("unknown_window", _l("窗口 %(code)s 不存在。", code=window_code))
        if level not in levels_for_scale(window.scale):
            raise RatingError(
                "bad_level", _l("评价等级 %(level)s 不属于本窗口的评价档位。", level=level)
            )
        reason_version = _check_reason_codes(reasons)

        rating = Rating(
            id=uuid7(),
            level=level,
            scale=window.scale,
            channel=channel,
            window_id=window.id,
            reasons=reasons,
            reason_version=reason_version,
            comment=comment,
            phone=phone,
            rated_at=rated_at or now,
            created_at=now,
            source_ref=source_ref,
            is_default=is_default,
        )
        if invitation_id is not None:
            invitation = _load_invitation(invitation_id, window, now)
            rating.invitation_id = invitation.id
            rating.case_no = invitation.case_no
            rating.staff_id = invitation.staff_id
            rating.service_id = invitation.service_id
            # Whichever channel answers first rates the case; the loser changes no row.
            claimed = db.session.execute(
                sa.update(Invitation)
                .where(Invitation.id == invitation.id, Invitation.status == "pending")
                .values(status="defaulted" if is_default else "rated")
            ).rowcount
            if claimed != 1:
                raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。"))
        else:
            if hall is None or not hall.allow_uninvited:
                raise RatingError(
                    "invitation_required", _l("本大厅仅接受窗口邀请后的评价。"), status=403
                )
            rating.uninvited = True
            rating.staff_id = window.staff_id

        if is_bad(level) or comment:
            rating.query_code = new_query_code()
        db.session.add(rating)
        db.session.flush()
        db.session.add(
            OutboxEntry(
                kind="rating",
                record_id=str(rating.id),
                payload=rating_record(rating, window, hall),
                created_at=now,
            )
        )
        db.session.commit()
    except RatingError:
        db.session.rollback()
        raise
    except IntegrityError as exc:
        db.session.rollback()
        if "case_no" in str(exc.orig) or "invitation_id" in str(exc.orig):
            raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。")) from exc
        if source_ref is not None and "source_ref" in str(exc.orig):
            existing = db.session.scalars(
                sa.select(Rating).where(Rating.source_ref == source_ref)
            ).first()
            return RecordResult(existing, created=False)
        raise
    return RecordResult(rating, created=True)
