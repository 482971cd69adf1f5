"""Deadline extensions (延期) and overdue explanations.

An extension is asked for before the deadline in force, with a reason and a new date, and
approved (or refused) by a manager other than the one who asked, also before that deadline.
Each approved deadline joins the case's history (case_deadline) from its approval on. After
the deadline only an explanation can be recorded: the case stays overdue.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from kiosk.cases.service import CaseError, _step, _text, pending_extension
from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.models.case_decisions import CaseDeadline, CaseExtension
from kiosk.timeutil import to_utc


def end_of_local_day(day: date) -> datetime:
    """A deadline date means the end of that day, hall time (as naive UTC)."""
    return to_utc(datetime.combine(day, datetime.max.time()).replace(microsecond=0))


def request_extension(user, case_id: int, new_date: date, reason: str, now=None):
    reason = _text(reason, _l("延期原因"))
    new_due = end_of_local_day(new_date)
    now = now or utcnow()

    def change(case, at):
        if new_due <= case.due_at:
            raise CaseError(_l("新的整改期限必须晚于当前期限。"))
        db.session.add(CaseExtension(case_id=case.id, requested_by=user.username,
                                     requested_at=at, new_due_at=new_due, reason=reason))
        return case.status

    return _step(user, case_id, "extend", f"{new_date.isoformat()}: {reason}", change,
                 now=now, status_event=False)


def approve_extension(user, case_id: int, note: str = "", now=None):
    note = _text(note, _l("审批意见"), required=False)

    def change(case, at):
        ext = pending_extension(case)
        if ext.new_due_at <= case.due_at:
            raise CaseError(_l("新的整改期限必须晚于当前期限。"), status=409)
        ext.status, ext.decided_by, ext.decided_at, ext.decision_note = (
            "approved", user.username, at, note)
        db.session.add(CaseDeadline(case_id=case.id, due_at=ext.new_due_at, effective_at=at,
                                    extension_id=ext.id, set_by=user.username))
        case.due_at, case.extension_reason = ext.new_due_at, ext.reason
        return case.status

    return _step(user, case_id, "approve_extension", note, change, now=now)


def refuse_extension(user, case_id: int, note: str, now=None):
    note = _text(note, _l("审批意见"))

    def change(case, at):
        ext = pending_extension(case)
        ext.status, ext.decided_by, ext.decided_at, ext.decision_note = (
            "refused", user.username, at, note)
        return case.status

    return _step(user, case_id, "refuse_extension", note, change, now=now, status_event=False)


def explain_overdue(user, case_id: int, text: str, now=None):
    text = _text(text, _l("逾期说明"))
    return _step(user, case_id, "explain_overdue", text, lambda case, _at: case.status,
                 now=now, status_event=False)


def extensions_of(case_id: int) -> list[CaseExtension]:
    return list(db.session.scalars(db.select(CaseExtension)
                                   .where(CaseExtension.case_id == case_id)
                                   .order_by(CaseExtension.id)))


def deadlines_of(case_id: int) -> list[CaseDeadline]:
    return list(db.session.scalars(db.select(CaseDeadline)
                                   .where(CaseDeadline.case_id == case_id)
                                   .order_by(CaseDeadline.effective_at, CaseDeadline.id)))
