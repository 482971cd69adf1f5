"""The one place that records a rating.

Every channel (touchscreen, evaluator, QR page, default-rating job) calls record_rating().
It validates everything, then writes the rating, the invitation's new status and the
outbox row in one transaction, so a rating is durable together with its way upstream.

Reads that only validate (the window, the hall's settings, the reason list) happen before
the write; the write itself runs in the group committer (committer.py) and holds the
database's single write lock only for the claim of the invitation and two inserts.
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

from kiosk.cases.opening import open_case_for
from kiosk.extensions import db
from kiosk.models import (
    Hall,
    Invitation,
    OutboxEntry,
    Rating,
    ReasonTemplate,
    ServiceItem,
    Staff,
    Window,
)
from kiosk.models.base import utcnow
from kiosk.ratings.committer import committer_for
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError
from kiosk.ratings.facts import HallFacts, StoredRating
from kiosk.ratings.levels import LEVEL_NAMES, is_bad, levels_for_scale
from kiosk.ratings.record import rating_record

COMMENT_MAX = 500
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers
CHANNELS_ASKING_REASONS = ("touch", "qr")  # an evaluator key press cannot give reasons
QUERY_CODE_PREFIX = "PY"
QUERY_CODE_DIGITS = 12


@dataclass
class RecordResult:
    rating: StoredRating
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


def _check_reason_codes(conn, reasons: Sequence[str]) -> int | None:
    """Reasons must come from the current centrally published template; returns its version."""
    if not reasons:
        return None
    template = conn.execute(_CURRENT_REASONS).first()
    known = {item["code"] for item in template.items} if template else set()
    unknown = [r for r in reasons if r not in known]
    if unknown:
        raise RatingError("bad_reason", _l("未知的原因代码：%(codes)s", codes=", ".join(unknown)))
    return template.version


# Statements of the hot path, built once: building a statement per call costs more than
# running it on SQLite.
_WINDOW_AND_HALL = (
    sa.select(
        Window.id, Window.scale, Window.staff_id, Staff.staff_no,
        Hall.name, Hall.region_code, Hall.dept_code, Hall.allow_uninvited,
    )
    .select_from(Window)
    .join(Hall, sa.true())
    .outerjoin(Staff, Staff.id == Window.staff_id)
    .where(Window.code == sa.bindparam("code"))
    .limit(1)
)
_CLAIM_INVITATION = (
    sa.update(Invitation)
    .where(
        Invitation.id == sa.bindparam("inv_id"),
        Invitation.window_id == sa.bindparam("win_id"),
        Invitation.status == "pending",
        sa.or_(Invitation.expires_at.is_(None), Invitation.expires_at >= sa.bindparam("now")),
    )
    .values(status=sa.bindparam("new_status"))
    .returning(
        Invitation.case_no,
        Invitation.staff_id,
        Invitation.service_id,
        sa.select(Staff.staff_no).where(Staff.id == Invitation.staff_id).scalar_subquery(),
        sa.select(ServiceItem.code)
        .where(ServiceItem.id == Invitation.service_id)
        .scalar_subquery(),
    )
)
_SOURCE_SEEN = sa.select(Rating.id).where(Rating.source_ref == sa.bindparam("ref"))
_CURRENT_REASONS = (
    sa.select(ReasonTemplate.version, ReasonTemplate.items)
    .order_by(ReasonTemplate.version.desc())
    .limit(1)
)
_INSERT_RATING = sa.insert(Rating)
_INSERT_OUTBOX = sa.insert(OutboxEntry)


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

    conn = db.session.connection()
    window = conn.execute(_WINDOW_AND_HALL, {"code": window_code}).first()
    if window is None:
        raise NotFound("unknown_window", _l("窗口 %(code)s 不存在。", code=window_code))
    if level not in levels_for_scale(window.scale):
        raise RatingError(
            "bad_level", _l("评价等级 %(level)s 不属于本窗口的评价档位。", level=level)
        )
    if invitation_id is None and not window.allow_uninvited:
        raise RatingError("invitation_required", _l("本大厅仅接受窗口邀请后的评价。"), status=403)
    stored = StoredRating(
        id=uuid7(), level=level, scale=window.scale, channel=channel, window_code=window_code,
        rated_at=rated_at or now, reasons=reasons,
        reason_version=_check_reason_codes(conn, reasons), comment=comment, phone=phone,
        is_default=is_default, source_ref=source_ref, uninvited=invitation_id is None,
        query_code=new_query_code() if is_bad(level) or comment else None,
    )
    # End the caller's read snapshot: the write runs on another connection, and afterwards
    # the caller must see it.
    db.session.commit()

    def write(conn):
        return _write(conn, stored, window, invitation_id, now)

    try:
        created = committer_for(db.engine).run(write)
    except IntegrityError as exc:
        message = str(exc.orig)
        if "case_no" in message or "invitation_id" in message:
            raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。")) from exc
        if source_ref is not None and "source_ref" in message:
            return RecordResult(_existing_by_source(source_ref), created=False)
        raise
    if not created:
        return RecordResult(_existing_by_source(source_ref), created=False)
    return RecordResult(stored, created=True)


def _write(conn, stored: StoredRating, window, invitation_id: int | None, now) -> bool:
    """The write transaction's part: claim, rating, outbox. False if the event is known."""
    if stored.source_ref is not None and conn.execute(
        _SOURCE_SEEN, {"ref": stored.source_ref}
    ).first():
        return False
    if invitation_id is not None:
        status = "defaulted" if stored.is_default else "rated"
        # A default rating is given at the deadline, when the invitation has (just) expired:
        # judge its claim at its rated_at, not at the time the daily job happens to run.
        claim_at = stored.rated_at if stored.is_default else now
        stored.case_no, staff_id, service_id, stored.staff_no, stored.service_code = (
            _claim_invitation(conn, invitation_id, window.id, claim_at, status)
        )
    else:
        staff_id, service_id, stored.staff_no = window.staff_id, None, window.staff_no
    conn.execute(
        _INSERT_RATING,
        {
            "id": stored.id, "level": stored.level, "scale": stored.scale,
            "channel": stored.channel, "window_id": window.id, "staff_id": staff_id,
            "service_id": service_id, "invitation_id": invitation_id, "case_no": stored.case_no,
            "reasons": stored.reasons, "reason_version": stored.reason_version,
            "comment": stored.comment, "phone": stored.phone, "rated_at": stored.rated_at,
            "created_at": now, "uninvited": stored.uninvited, "is_default": stored.is_default,
            "excluded": False, "query_code": stored.query_code, "source_ref": stored.source_ref,
        },
    )
    # Rollups for the statistics, and the 差评 case (登记) in this same commit.
    open_case_for(conn, stored, now, window_id=window.id, staff_id=staff_id,
                  service_id=service_id)
    hall = HallFacts(window.name, window.region_code, window.dept_code)
    conn.execute(
        _INSERT_OUTBOX,
        {
            "kind": "rating", "record_id": str(stored.id),
            "payload": rating_record(stored, hall), "created_at": now, "sent_at": None,
            "attempts": 0, "last_error": None, "dead": False,
        },
    )
    return True


def _claim_invitation(conn, invitation_id: int, window_id: int, now: datetime, status: str):
    """Whichever channel answers first rates the case; the loser changes no row."""
    params = {"inv_id": invitation_id, "win_id": window_id, "now": now, "new_status": status}
    claimed = conn.execute(_CLAIM_INVITATION, params).first()
    if claimed is not None:
        return tuple(claimed)
    # Say precisely why (only on the refusal path).
    inv = conn.execute(
        sa.select(Invitation.status, Invitation.window_id).where(Invitation.id == invitation_id)
    ).first()
    if inv is None or inv.window_id != window_id:
        raise NotFound("invitation_not_found", _l("找不到该评价邀请。"))
    if inv.status in ("rated", "defaulted"):
        raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。"))
    raise RatingError("invitation_expired", _l("该评价邀请已过期。"), status=410)


def _existing_by_source(source_ref: str) -> StoredRating | None:
    """A device re-sent an event we already stored: hand back what we stored."""
    row = db.session.execute(
        sa.select(Rating, Window.code)
        .join(Window, Window.id == Rating.window_id)
        .where(Rating.source_ref == source_ref)
    ).first()
    if row is None:
        return None
    r, window_code = row
    return StoredRating(
        id=r.id, level=r.level, scale=r.scale, channel=r.channel, window_code=window_code,
        rated_at=r.rated_at, case_no=r.case_no, reasons=list(r.reasons or []),
        reason_version=r.reason_version, comment=r.comment, phone=r.phone,
        uninvited=r.uninvited, is_default=r.is_default, query_code=r.query_code,
        source_ref=r.source_ref,
    )
