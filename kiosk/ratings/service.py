"""The one place that records a rating.

Every channel (touchscreen, evaluator, QR page, default-rating job) calls record_rating().
It validates everything, then writes the rating, the invitation's new status and the
outbox row in one transaction, so a rating is durable together with its way upstream.

Reads that only validate (the window, the hall's settings, the reason list) happen before
the write; the write itself runs in the group committer (committer.py) and holds the
database's single write lock only for the claim of the invitation and two inserts.
"""
import json
import re
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from kiosk.cases.opening import open_case_for
from kiosk.db_statements import Statement
from kiosk.extensions import db
from kiosk.models import (
    Department,
    Rating,
    ReasonTemplate,
    Window,
)
from kiosk.models.base import utcnow
from kiosk.ratings.committer import committer_for
from kiosk.ratings.errors import AlreadyRated, NotFound, RatingError
from kiosk.ratings.facts import DeviceIdentity, HallFacts, StoredRating
from kiosk.ratings.levels import LEVEL_NAMES, is_bad, levels_for_scale
from kiosk.ratings.record import rating_record
from kiosk.ratings.text import has_control_characters
from kiosk.stats import rollup
from kiosk.sync.queue import queue_outbox

COMMENT_MAX = 500
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers
CHANNELS_ASKING_REASONS = ("touch", "qr", "later")  # an evaluator key press cannot give reasons
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
    if has_control_characters(comment):
        raise RatingError("bad_comment_characters", _l("留言含有无法显示的控制字符，请删除后再提交。"))
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


# The hot path's statements (see kiosk/db_statements.py).
_WINDOW_AND_HALL = Statement(
    "SELECT w.id, w.scale, w.staff_id, s.staff_no, w.department_id, d.credit_code, d.name, "
    "h.name, h.region_code, h.dept_code, h.allow_uninvited "
    "FROM window AS w JOIN hall AS h ON 1 = 1 "
    "LEFT JOIN staff AS s ON s.id = w.staff_id "
    "LEFT JOIN department AS d ON d.id = w.department_id WHERE w.code = :code LIMIT 1"
)
_CLAIM_INVITATION = Statement(
    "UPDATE invitation SET status = :new_status "
    "WHERE id = :inv_id AND window_id = :win_id AND status = 'pending' "
    "AND (expires_at IS NULL OR expires_at >= :now) "
    "RETURNING case_no, staff_id, service_id, "
    "(SELECT staff_no FROM staff WHERE staff.id = invitation.staff_id), "
    "(SELECT code FROM service_item WHERE service_item.id = invitation.service_id), "
    # The item's department (实施主体), which outranks the window's.
    "(SELECT department_id FROM service_item WHERE service_item.id = invitation.service_id), "
    "(SELECT d.credit_code FROM service_item AS i JOIN department AS d "
    "ON d.id = i.department_id WHERE i.id = invitation.service_id), "
    "(SELECT d.name FROM service_item AS i JOIN department AS d "
    "ON d.id = i.department_id WHERE i.id = invitation.service_id)",
    now=sa.DateTime(),
)
_INVITATION_STATE = Statement("SELECT status, window_id FROM invitation WHERE id = :inv_id")
_SOURCE_SEEN = Statement("SELECT 1 FROM rating WHERE source_ref = :ref")
_CURRENT_REASONS = Statement(
    "SELECT version, items FROM reason_template ORDER BY version DESC LIMIT 1"
)
_RATING_COLUMNS = (
    "id", "level", "scale", "channel", "window_id", "staff_id", "service_id", "department_id",
    "invitation_id",
    "case_no", "reasons", "reason_version", "comment", "phone", "rated_at", "created_at",
    "uninvited", "is_default", "excluded", "query_code", "source_ref", "device_serial",
    "device_address", "device_keys",
)
_INSERT_RATING = Statement(
    f"INSERT INTO rating ({', '.join(_RATING_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _RATING_COLUMNS)})",
    id=sa.Uuid(), reasons=sa.JSON(), rated_at=sa.DateTime(), created_at=sa.DateTime(),
    uninvited=sa.Boolean(), is_default=sa.Boolean(), excluded=sa.Boolean(),
)


def _check_reason_codes(conn, reasons: Sequence[str]) -> int | None:
    """Reasons must come from the current centrally published template; returns its version."""
    if not reasons:
        return None
    template = _CURRENT_REASONS.first(conn, {})
    items = json.loads(template[1]) if template and isinstance(template[1], str) else (
        template[1] if template else []
    )
    known = {item["code"] for item in items}
    unknown = [r for r in reasons if r not in known]
    if unknown:
        raise RatingError("bad_reason", _l("未知的原因代码：%(codes)s", codes=", ".join(unknown)))
    return template[0]


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
    device: DeviceIdentity | None = None,
    also_write: Callable[[Any, StoredRating, datetime], None] | None = None,
    now: datetime | None = None,
) -> RecordResult:
    """Validates and stores one rating with its outbox row in a single commit.

    also_write(conn, stored, now): further rows of the same submission (the QR page's
    photos), written in the rating's own transaction: both are stored, or neither.
    Raises RatingError (or a subclass) with a clear message; nothing is stored then.
    `now` is when the hall receives it: left out except by a replay of past days (the demo
    hall's history), whose deadlines count from then.
    """
    now = now or utcnow()
    reasons = list(reasons or [])
    comment = (comment or "").strip()
    phone = (phone or "").strip() or None
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVEL_NAMES:
        raise RatingError("bad_level", _l("评价等级无效。"))
    _validate_text(level, channel, reasons, comment, phone)
    stored = StoredRating(
        id=uuid7(), level=level, scale=0, channel=channel, window_code=window_code,
        rated_at=rated_at or now, reasons=reasons, comment=comment, phone=phone,
        is_default=is_default, source_ref=source_ref, uninvited=invitation_id is None,
        query_code=new_query_code() if is_bad(level) or comment else None,
        device_serial=device.serial if device else None,
        evaluator_address=device.address if device else None,
        device_keys=device.keys if device else None,
    )
    if db.session().in_transaction():
        # End the caller's read snapshot: the write runs on the committer's connection, and
        # afterwards the caller must see it.
        db.session.commit()

    def write(conn):
        created = _write(conn, stored, invitation_id, now)
        if created and also_write is not None:
            also_write(conn, stored, now)
        return created

    try:
        created = committer_for(current_app, db.engine).run(write)
    except (IntegrityError, sqlite3.IntegrityError) as exc:
        message = str(getattr(exc, "orig", exc))
        if "case_no" in message or "invitation_id" in message:
            raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。")) from exc
        if source_ref is not None and "source_ref" in message:
            return RecordResult(_existing_by_source(source_ref), created=False)
        raise
    if not created:
        return RecordResult(_existing_by_source(source_ref), created=False)
    return RecordResult(stored, created=True)


def _write(conn, stored: StoredRating, invitation_id: int | None, now) -> bool:
    """The write transaction's part: check, claim, rating, rollups, outbox.
    False if this device event is already stored."""
    if stored.source_ref is not None and _SOURCE_SEEN.first(conn, {"ref": stored.source_ref}):
        return False
    window = _WINDOW_AND_HALL.first(conn, {"code": stored.window_code})
    if window is None:
        raise NotFound("unknown_window", _l("窗口 %(code)s 不存在。", code=stored.window_code))
    window_id, stored.scale, window_staff_id, window_staff_no = window[:4]
    window_department, hall, allow_uninvited = window[4:7], window[7:10], window[10]
    if stored.level not in levels_for_scale(stored.scale):
        raise RatingError(
            "bad_level", _l("评价等级 %(level)s 不属于本窗口的评价档位。", level=stored.level)
        )
    if invitation_id is None and not allow_uninvited:
        raise RatingError("invitation_required", _l("本大厅仅接受窗口邀请后的评价。"), status=403)
    stored.reason_version = _check_reason_codes(conn, stored.reasons)
    if invitation_id is not None:
        status = "defaulted" if stored.is_default else "rated"
        # A default rating is given at the deadline, when the invitation has (just) expired:
        # judge its claim at its rated_at, not at the time the daily job happens to run.
        claim_at = stored.rated_at if stored.is_default else now
        (stored.case_no, staff_id, service_id, stored.staff_no, stored.service_code,
         *item_department) = _claim_invitation(conn, invitation_id, window_id, claim_at, status)
    else:
        staff_id, service_id, stored.staff_no = window_staff_id, None, window_staff_no
        item_department = (None, None, None)
    # Responsible department: the item's, else the window's (rule 1), fixed from now on.
    (stored.department_id, stored.department_code, stored.department_name) = (
        item_department if item_department[0] is not None else window_department
    )
    _INSERT_RATING.run(conn, {
        "id": stored.id, "level": stored.level, "scale": stored.scale,
        "channel": stored.channel, "window_id": window_id, "staff_id": staff_id,
        "service_id": service_id, "department_id": stored.department_id,
        "invitation_id": invitation_id, "case_no": stored.case_no,
        "reasons": stored.reasons, "reason_version": stored.reason_version,
        "comment": stored.comment, "phone": stored.phone, "rated_at": stored.rated_at,
        "created_at": now, "uninvited": stored.uninvited, "is_default": stored.is_default,
        "excluded": False, "query_code": stored.query_code, "source_ref": stored.source_ref,
        "device_serial": stored.device_serial, "device_address": stored.evaluator_address,
        "device_keys": stored.device_keys,
    })
    queue_outbox(conn, rating_record(stored, HallFacts(*hall)), created_at=now)
    # Rollups for the statistics, and the 差评 case (登记) in this same commit; the case's
    # event follows the rating in the outbox, so upstream gets the rating first.
    rollup.add_rating(conn, rollup.Facts(
        level=stored.level, rated_at=stored.rated_at, window_id=window_id, staff_id=staff_id,
        service_id=service_id, department_id=stored.department_id, channel=stored.channel,
        is_default=stored.is_default, reasons=tuple(stored.reasons)))
    if invitation_id is not None:
        rollup.count_invitation(conn, invitation_id, rated=1)
    open_case_for(conn, stored, now, window_id=window_id, department_id=stored.department_id)
    return True


def _claim_invitation(conn, invitation_id: int, window_id: int, now: datetime, status: str):
    """Whichever channel answers first rates the case; the loser changes no row."""
    params = {"inv_id": invitation_id, "win_id": window_id, "now": now, "new_status": status}
    claimed = _CLAIM_INVITATION.first(conn, params)
    if claimed is not None:
        return claimed
    # Say precisely why (only on the refusal path).
    inv = _INVITATION_STATE.first(conn, {"inv_id": invitation_id})
    if inv is None or inv[1] != window_id:
        raise NotFound("invitation_not_found", _l("找不到该评价邀请。"))
    if inv[0] in ("rated", "defaulted"):
        raise AlreadyRated("already_rated", _l("该办件已经评价过，感谢您的参与。"))
    raise RatingError("invitation_expired", _l("该评价邀请已过期。"), status=410)


def _existing_by_source(source_ref: str) -> StoredRating | None:
    """A device re-sent an event we already stored: hand back what we stored."""
    row = db.session.execute(
        sa.select(Rating, Window.code, Department.credit_code, Department.name)
        .join(Window, Window.id == Rating.window_id)
        .outerjoin(Department, Department.id == Rating.department_id)
        .where(Rating.source_ref == source_ref)
    ).first()
    if row is None:
        return None
    r, window_code, department_code, department_name = row
    return StoredRating(
        id=r.id, level=r.level, scale=r.scale, channel=r.channel, window_code=window_code,
        rated_at=r.rated_at, case_no=r.case_no, reasons=list(r.reasons or []),
        reason_version=r.reason_version, comment=r.comment, phone=r.phone,
        uninvited=r.uninvited, is_default=r.is_default, query_code=r.query_code,
        source_ref=r.source_ref, device_serial=r.device_serial,
        evaluator_address=r.device_address, device_keys=r.device_keys,
        department_id=r.department_id,
        department_code=department_code, department_name=department_name,
    )
