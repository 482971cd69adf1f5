"""Windows: code, name, services, scale, uninvited ratings; clerk sign-in and pause by a manager."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp, snapshots
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.departments import department_choices
from kiosk.admin.forms import PAUSE_LABELS, ActionForm, AssignClerkForm, PauseForm, WindowForm
from kiosk.auth.decorators import role_required
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import ServiceItem, Staff, Window
from kiosk.models.audit import audit
from kiosk.staffing.errors import StaffingError
from kiosk.staffing.service import (
    pause_in_session,
    resume_in_session,
    sign_in_in_session,
    sign_out_in_session,
)


def _fill_choices(form: WindowForm) -> None:
    services = db.session.scalars(sa.select(ServiceItem).order_by(ServiceItem.code)).all()
    form.services.choices = [(s.id, f"{s.code} {s.name}") for s in services]
    form.staff_id.choices = [(0, _("（无）"))] + [
        (s.id, f"{s.staff_no} {s.name}")
        for s in db.session.scalars(sa.select(Staff).where(Staff.active).order_by(Staff.staff_no))
    ]
    form.department_id.choices = department_choices()


def _window_or_404(window_id: int) -> Window:
    window = db.session.get(Window, window_id)
    if window is None:
        abort(404, _("窗口不存在。"))
    return window


@bp.get("/windows")
@role_required(*VIEW)
def windows():
    rows = db.session.scalars(sa.select(Window).order_by(Window.code)).all()
    return render_template("admin/windows.html", windows=rows, pause_labels=PAUSE_LABELS,
                           assign_form=AssignClerkForm(), pause_form=PauseForm(),
                           action_form=ActionForm())


def _apply(window: Window, form: WindowForm) -> None:
    clash = db.session.scalars(
        sa.select(Window.id).where(Window.code == form.code.data, Window.id != (window.id or 0))
    ).first()
    if clash:
        form.code.errors.append(_("窗口编号 %(code)s 已存在。", code=form.code.data))
        raise ValueError
    window.code, window.name, window.name_en = form.code.data, form.name.data, form.name_en.data
    window.scale = form.scale.data
    window.department_id = form.department_id.data or None
    window.services = db.session.scalars(
        sa.select(ServiceItem).where(ServiceItem.id.in_(form.services.data or []))
    ).all()


def _save(window_id: int | None, form: WindowForm):
    """Creates or updates one window with its audit row in one commit; None on a field error."""
    actor = current_user.username
    try:
        with write_transaction(db.session()):
            window = db.session.get(Window, window_id) if window_id else Window()
            before = snapshots.window(window) if window_id else None
            _apply(window, form)
            if not window_id:
                db.session.add(window)
            db.session.flush()
            staff = db.session.get(Staff, form.staff_id.data) if form.staff_id.data else None
            if staff is not None and window.staff_id != staff.id:
                sign_in_in_session(window, staff, "admin", actor)
            elif staff is None and window.staff_id is not None:
                sign_out_in_session(window, actor)
            db.session.flush()
            db.session.refresh(window)
            audit(actor, "update" if window_id else "create", "window", window.code,
                  before, snapshots.window(window))
            db.session.commit()
            return window
    except ValueError:
        return None


@bp.route("/windows/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def window_new():
    form = WindowForm()
    _fill_choices(form)
    if form.validate_on_submit() and _save(None, form):
        flash(_("窗口已添加。"), "success")
        return redirect(url_for("admin.windows"))
    return render_template("admin/form.html", form=form, title=_("添加窗口"),
                           cancel=url_for("admin.windows")), 200 if not form.errors else 422


@bp.route("/windows/<int:window_id>", methods=["GET", "POST"])
@role_required(*MANAGE)
def window_edit(window_id: int):
    window = _window_or_404(window_id)
    form = WindowForm(obj=window)
    _fill_choices(form)
    if not form.is_submitted():
        form.services.data = [s.id for s in window.services]
        form.staff_id.data = window.staff_id or 0
        form.department_id.data = window.department_id or 0
    if form.validate_on_submit() and _save(window_id, form):
        flash(_("窗口已保存。"), "success")
        return redirect(url_for("admin.windows"))
    return render_template("admin/form.html", form=form, title=_("编辑窗口 %(code)s", code=window.code),
                           cancel=url_for("admin.windows")), 200 if not form.errors else 422


def _window_action(window_id: int, change) -> None:
    try:
        with write_transaction(db.session()):
            change(_window_or_404(window_id))
            db.session.commit()
    except StaffingError as exc:
        flash(exc.message, "error")


@bp.post("/windows/<int:window_id>/pause")
@role_required(*MANAGE)
def window_pause(window_id: int):
    form = PauseForm()
    if not form.validate_on_submit():
        flash(_("请选择暂停原因。"), "error")
    else:
        _window_action(window_id, lambda w: pause_in_session(w, form.reason.data, current_user.username))
    return redirect(url_for("admin.windows"))


@bp.post("/windows/<int:window_id>/resume")
@role_required(*MANAGE)
def window_resume(window_id: int):
    if ActionForm().validate_on_submit():
        _window_action(window_id, lambda w: resume_in_session(w, current_user.username))
    return redirect(url_for("admin.windows"))


@bp.post("/windows/<int:window_id>/sign-out")
@role_required(*MANAGE)
def window_sign_out(window_id: int):
    if ActionForm().validate_on_submit():
        _window_action(window_id, lambda w: sign_out_in_session(w, current_user.username))
    return redirect(url_for("admin.windows"))
