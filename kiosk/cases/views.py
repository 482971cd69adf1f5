"""/admin/cases: the 差评 workflow pages (list, one case with its history, steps, ledger)."""
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin.evidence import evidence_of
from kiosk.auth.decorators import role_required
from kiosk.cases import appeals, extensions, labels, service
from kiosk.cases.exclusions import exclusion_of
from kiosk.cases.ledger import ledger_xlsx
from kiosk.extensions import db
from kiosk.i18n import select_locale
from kiosk.models.base import utcnow
from kiosk.models.reasons import reason_texts
from kiosk.privacy import RevealRefused, reveal_phone
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.stats.indicators import is_overdue
from kiosk.timeutil import iso_utc, to_local

bp = Blueprint("cases", __name__, url_prefix="/admin/cases")
READERS = ("admin", "manager", "handler", "auditor")
WRITERS = ("admin", "manager", "handler")


@bp.app_template_filter("local_time")
def local_time(value):
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.get("")
@role_required(*READERS)
def case_list():
    status = request.args.get("status") or None
    if status not in (None, *labels.STATUS):
        status = None
    overdue = request.args.get("overdue") == "1"
    now = utcnow()
    rows = service.list_cases(current_user, status=status, overdue=overdue, now=now)
    counts = service.open_and_overdue_counts(now, current_user)
    return render_template("cases/list.html", rows=rows, status=status, overdue=overdue,
                           counts=counts, labels=labels, levels=LEVEL_NAMES, mask=labels.mask)


def rating_reason_texts(rating) -> list[str]:
    from kiosk.ratings.service import current_reasons  # ratings.service imports cases

    template = current_reasons()
    texts = reason_texts(template.items if template else [], select_locale())
    return [texts.get(code, code) for code in (rating.reasons or [])]


# The six steps a manager follows on the case page; "closed" means all of them are behind.
PROGRESS_STEPS = ("registered", "assigned", "verified", "rectified", "replied", "revisited")


def progress(status: str) -> list[tuple[str, str]]:
    """(step, "done" | "current" | "todo") for the step progress bar."""
    if status == "closed":
        return [(step, "done") for step in PROGRESS_STEPS]
    at = PROGRESS_STEPS.index(status)
    return [(step, "done" if i < at else "current" if i == at else "todo")
            for i, step in enumerate(PROGRESS_STEPS)]


@bp.get("/<int:case_id>")
@role_required(*READERS)
def case_detail(case_id: int):
    return _detail_page(_case_or_abort(case_id), revealed=None)


def _detail_page(case, revealed):
    now = utcnow()
    return render_template(
        "cases/detail.html", case=case, rating=case.rating, labels=labels, levels=LEVEL_NAMES,
        actions=service.allowed_actions(current_user, case, now), mask=labels.mask,
        overdue=is_overdue(case.status, case.due_at, now),
        assignees=service.assignable_users(), departments=service.assignable_departments(),
        revealed=revealed, reason_texts=rating_reason_texts(case.rating), steps=progress(case.status),
        deadlines=extensions.deadlines_of(case.id), requests=extensions.extensions_of(case.id),
        appeals=appeals.appeals_of(case.id), exclusion=exclusion_of_case(case),
        **evidence_of(case.rating_id),
    )


def exclusion_of_case(case):
    return exclusion_of(db.session.connection(), case.rating_id)


def _case_or_abort(case_id: int):
    try:
        return service.case_for(current_user, case_id)
    except service.CaseError as exc:
        abort(exc.status, exc.message)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError as exc:
        raise service.CaseError(_("请填写新的整改期限（日期）。")) from exc


STEPS = {
    "assign": lambda u, i, f: service.assign(u, i, int(f.get("assignee_id") or 0),
                                             f.get("note", "")),
    "transfer": lambda u, i, f: service.transfer(u, i, int(f.get("department_id") or 0),
                                                 f.get("note", "")),
    "verify": lambda u, i, f: service.verify(u, i, f.get("outcome", ""), f.get("note", "")),
    "rectify": lambda u, i, f: service.rectify(u, i, f.get("note", "")),
    "reply": lambda u, i, f: service.reply(u, i, f.get("note", "")),
    "revisit": lambda u, i, f: service.revisit(u, i, f.get("result", ""), f.get("note", "")),
    "close": lambda u, i, f: service.close(u, i, f.get("note", "")),
    "extend": lambda u, i, f: extensions.request_extension(
        u, i, _parse_date(f.get("new_date")), f.get("note", "")),
    "approve_extension": lambda u, i, f: extensions.approve_extension(u, i, f.get("note", "")),
    "refuse_extension": lambda u, i, f: extensions.refuse_extension(u, i, f.get("note", "")),
    "explain_overdue": lambda u, i, f: extensions.explain_overdue(u, i, f.get("note", "")),
    "appeal": lambda u, i, f: appeals.file_appeal(u, i, f.get("note", ""),
                                                  f.get("ground", "mistaken")),
    "decide_appeal": lambda u, i, f: appeals.decide_appeal(
        u, i, f.get("decision") == "accept", f.get("note", "")),
}


@bp.post("/<int:case_id>/<action>")
@role_required(*WRITERS)
def case_step(case_id: int, action: str):
    """A step from the case page's form, or the same step as JSON (a JSON body; same session,
    roles, CSRF header and rules), answered with the case or a JSON error."""
    step = STEPS.get(action)
    if step is None:
        abort(404)
    if request.is_json:
        return _json_step(step, case_id)
    try:
        step(current_user, case_id, request.form)
    except service.CaseError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(exc.status, exc.message)
        flash(exc.message, "error")
    except ValueError:
        db.session.rollback()
        flash(_("输入无效。"), "error")
    else:
        flash(_("已保存：%(step)s", step=labels.ACTION[action]), "ok")
    return redirect(url_for("cases.case_detail", case_id=case_id))


JSON_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}


def _json_step(step, case_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "bad_request", "message": _("输入无效。")}), 400
    fields = {k: v if isinstance(v, str) else str(v) for k, v in body.items()}
    try:
        case = step(current_user, case_id, fields)
    except service.CaseError as exc:
        db.session.rollback()
        return jsonify({"error": JSON_ERRORS.get(exc.status, "bad_request"),
                        "message": exc.message}), exc.status
    except ValueError:
        db.session.rollback()
        return jsonify({"error": "bad_request", "message": _("输入无效。")}), 400
    return jsonify(case_json(case))


def case_json(case) -> dict:
    return {"id": case.id, "status": case.status, "due_at": iso_utc(case.due_at),
            "original_due_at": iso_utc(case.original_due_at),
            "appeal_status": case.appeal_status,
            "deadlines": [{"due_at": iso_utc(d.due_at), "effective_at": iso_utc(d.effective_at),
                           "set_by": d.set_by} for d in extensions.deadlines_of(case.id)]}


@bp.post("/<int:case_id>/phone")
@role_required(*WRITERS)
def reveal(case_id: int):
    """Shows the full number once, after the privacy module has logged the read."""
    case = _case_or_abort(case_id)
    try:
        phone = reveal_phone(case.rating, current_user, request.form.get("reason", ""),
                             responsible=service.is_responsible(current_user, case))
    except RevealRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for("cases.case_detail", case_id=case_id))
    return _detail_page(_case_or_abort(case_id), revealed=phone)


@bp.post("/<int:case_id>/publishable")
@role_required(*service.MANAGE)
def publishable(case_id: int):
    """公开: show (or stop showing) this case's rectification text on the public page."""
    try:
        service.set_publishable(current_user, case_id, request.form.get("publishable") == "1")
    except service.CaseError as exc:
        abort(exc.status, exc.message)
    flash(_("已保存公开设置。"), "ok")
    return redirect(url_for("cases.case_detail", case_id=case_id))


@bp.get("/ledger.xlsx")
@role_required(*READERS)
def ledger():
    data = ledger_xlsx(service.visible_cases(current_user), utcnow())
    name = f"chaping-ledger-{to_local(utcnow()):%Y%m%d}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
