"""Sign a clerk in or out of a window, pause and resume it.

The *_in_session functions change the current session without committing, so the admin
can combine them with its own change and audit row in one commit; the plain functions
are whole write transactions for the touchscreen.
"""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import Staff, StaffSession, Window, WindowPause
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.models.staffing import PAUSE_REASONS
from kiosk.staffing.errors import StaffingError


def _open_sessions(**where):
    return db.session.scalars(
        sa.select(StaffSession).filter_by(**where).where(StaffSession.ended_at.is_(None))
    ).all()


def _window_by_code(code: str) -> Window:
    window = db.session.scalars(sa.select(Window).where(Window.code == code)).first()
    if window is None:
        raise StaffingError("unknown_window", _l("窗口 %(code)s 不存在。", code=code), 404)
    return window


def sign_in_in_session(window: Window, staff: Staff, via: str, actor: str) -> None:
    now = utcnow()
    if window.staff_id == staff.id and _open_sessions(window_id=window.id, staff_id=staff.id):
        return  # already signed in here: nothing changes
    before = window.staff.staff_no if window.staff else None
    for session in _open_sessions(window_id=window.id):
        session.ended_at = now
    # One clerk, one window: signing in here signs them out elsewhere.
    for session in _open_sessions(staff_id=staff.id):
        session.ended_at = now
    for other in db.session.scalars(
        sa.select(Window).where(Window.staff_id == staff.id, Window.id != window.id)
    ):
        other.staff_id = None
        audit(actor, "sign_out", "window", other.code, {"staff_no": staff.staff_no}, {"staff_no": None})
    window.staff_id = staff.id
    db.session.add(
        StaffSession(window_id=window.id, staff_id=staff.id, started_at=now, via=via,
                     signed_in_by=actor)
    )
    audit(actor, "sign_in", "window", window.code, {"staff_no": before}, {"staff_no": staff.staff_no})


def sign_out_in_session(window: Window, actor: str) -> None:
    if window.staff_id is None:
        return
    for session in _open_sessions(window_id=window.id):
        session.ended_at = utcnow()
    audit(actor, "sign_out", "window", window.code, {"staff_no": window.staff.staff_no},
          {"staff_no": None})
    window.staff_id = None


def pause_in_session(window: Window, reason: str, actor: str) -> None:
    if reason not in PAUSE_REASONS:
        raise StaffingError("bad_reason", _l("请选择暂停原因。"))
    if window.paused:
        raise StaffingError("already_paused", _l("窗口已处于暂停状态。"), 409)
    db.session.add(
        WindowPause(window_id=window.id, staff_id=window.staff_id, reason=reason,
                    started_at=utcnow(), paused_by=actor)
    )
    window.paused, window.pause_reason = True, reason
    audit(actor, "pause", "window", window.code, {"paused": False, "pause_reason": None},
          {"paused": True, "pause_reason": reason})


def resume_in_session(window: Window, actor: str) -> None:
    if not window.paused:
        raise StaffingError("not_paused", _l("窗口未暂停。"), 409)
    for pause in db.session.scalars(
        sa.select(WindowPause).where(WindowPause.window_id == window.id,
                                     WindowPause.ended_at.is_(None))
    ):
        pause.ended_at = utcnow()
    audit(actor, "resume", "window", window.code,
          {"paused": True, "pause_reason": window.pause_reason},
          {"paused": False, "pause_reason": None})
    window.paused, window.pause_reason = False, None


def _clerk_of(window: Window, staff: Staff) -> None:
    if window.staff_id != staff.id:
        raise StaffingError("not_signed_in", _l("您未在本窗口签到，请先签到。"), 403)


def touch_action(window_code: str, staff_id: int, action: str, reason: str | None = None) -> None:
    """One clerk action from the touchscreen (after check_pin), as one write transaction."""
    with write_transaction(db.session()):
        window = _window_by_code(window_code)
        staff = db.session.get(Staff, staff_id)
        actor = f"staff:{staff.staff_no}"
        if action == "sign_in":
            sign_in_in_session(window, staff, "touch", actor)
        else:
            _clerk_of(window, staff)
            if action == "sign_out":
                sign_out_in_session(window, actor)
            elif action == "pause":
                pause_in_session(window, reason or "", actor)
            elif action == "resume":
                resume_in_session(window, actor)
            else:
                raise ValueError(action)
        db.session.commit()
