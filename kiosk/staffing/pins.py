"""Touchscreen PIN check for clerks, rate-limited and locked like logins.

A staff member is locked after 5 wrong PINs; a window after 20 failures of any kind
(so nobody at a public touchscreen can walk through every 工号 five PINs at a time).
"""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.auth.passwords import hash_password, verify_password
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import PinThrottle, Staff
from kiosk.models.base import utcnow
from kiosk.staffing.errors import StaffingError

STAFF_MAX_FAILURES = 5
WINDOW_MAX_FAILURES = 20
LOCK_MINUTES = 15
PIN_MIN, PIN_MAX = 4, 8
_DUMMY_HASH = hash_password("000000")


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is refused, or None."""
    if not pin.isdigit() or not PIN_MIN <= len(pin) <= PIN_MAX:
        return str(_l("PIN 须为 %(a)d–%(b)d 位数字。", a=PIN_MIN, b=PIN_MAX))
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return str(_l("PIN 过于简单（如 1111、1234），请换一个。"))
    return None


def _locked(key: str, now) -> bool:
    row = db.session.get(PinThrottle, key)
    return bool(row and row.locked_until and row.locked_until > now)


def _record(keys_and_limits: list[tuple[str, int]], success: bool) -> None:
    now = utcnow()
    with write_transaction(db.session()):
        for key, limit in keys_and_limits:
            row = db.session.get(PinThrottle, key)
            if row is None:
                row = PinThrottle(key=key, failures=0)
                db.session.add(row)
            if success:
                row.failures, row.locked_until = 0, None
                continue
            row.failures += 1
            if row.failures >= limit:
                row.failures, row.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
        db.session.commit()


def check_pin(staff_no: str, pin: str, window_code: str) -> Staff:
    """The active staff member with this 工号 and PIN; StaffingError otherwise."""
    now = utcnow()
    window_key = f"window:{window_code}"
    staff = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
    staff_key = f"staff:{staff.id}" if staff else None
    if _locked(window_key, now) or (staff_key and _locked(staff_key, now)):
        raise StaffingError(
            "locked", _l("尝试次数过多，已临时锁定，请 15 分钟后再试或联系大厅管理员。"), 429
        )
    # Argon2 runs outside the writer lock: it takes tens of milliseconds.
    usable = staff is not None and staff.active and staff.pin_hash
    ok = verify_password(staff.pin_hash if usable else _DUMMY_HASH, pin or "") and bool(usable)
    keys = [(window_key, WINDOW_MAX_FAILURES)]
    if staff_key:
        keys.append((staff_key, STAFF_MAX_FAILURES))
    if ok:
        _record([(staff_key, STAFF_MAX_FAILURES)], success=True)
        return db.session.get(Staff, staff.id)
    _record(keys, success=False)
    raise StaffingError("bad_pin", _l("工号或 PIN 不正确。"), 401)
