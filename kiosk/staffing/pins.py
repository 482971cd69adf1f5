"""Touchscreen PIN check for clerks, with a progressive delay instead of a lockout.

Failures are counted per 工号 and address, and per address (the touchscreen) for any 工号;
beyond a few, each failure doubles the wait before the next try (capped). Guessing through
PINs or 工号 slows to a crawl, but nobody can lock a window's clerk panel for long: the
longest wait is a few minutes. Counts live in the shared rate-limit store (kiosk/ratelimit.py).
"""
import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l

from kiosk import ratelimit
from kiosk.auth.passwords import hash_password, verify_password
from kiosk.extensions import db
from kiosk.models import Staff
from kiosk.staffing.errors import StaffingError

STAFF_FREE_FAILURES = 5  # per 工号 and address
ADDRESS_FREE_FAILURES = 20  # per address, any 工号
MAX_WAIT_SECONDS = 300
PIN_MIN, PIN_MAX = 4, 8
_DUMMY_HASH = hash_password("000000")


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is refused, or None."""
    if not pin.isdigit() or not PIN_MIN <= len(pin) <= PIN_MAX:
        return str(_l("PIN 须为 %(a)d–%(b)d 位数字。", a=PIN_MIN, b=PIN_MAX))
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return str(_l("PIN 过于简单（如 1111、1234），请换一个。"))
    return None


def check_pin(staff_no: str, pin: str) -> Staff:
    """The active staff member with this 工号 and PIN; StaffingError otherwise."""
    address = request.remote_addr or "-"
    identities = [("pin", f"{staff_no}|{address}", STAFF_FREE_FAILURES),
                  ("pin_address", address, ADDRESS_FREE_FAILURES)]
    wait = max(ratelimit.failure_wait(name, identity) for name, identity, _free in identities)
    if wait:
        raise StaffingError("wait", _l("尝试次数过多，请 %(s)d 秒后再试。", s=wait), 429)
    staff = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
    usable = staff is not None and staff.active and staff.pin_hash
    ok = verify_password(staff.pin_hash if usable else _DUMMY_HASH, pin or "") and bool(usable)
    if ok:
        ratelimit.clear_failures("pin", identities[0][1])
        return staff
    for name, identity, free in identities:
        ratelimit.count_failure(name, identity, free, MAX_WAIT_SECONDS)
    raise StaffingError("bad_pin", _l("工号或 PIN 不正确。"), 401)
