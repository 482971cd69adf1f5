"""Staff: 工号, name, touchscreen PIN (argon2), photo, window assignment."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp, snapshots
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.forms import StaffForm
from kiosk.admin.photos import PhotoRefused, normalise_photo, photo_path, remove_photo, store_photo
from kiosk.auth.decorators import role_required
from kiosk.auth.passwords import hash_password
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import Staff, Window
from kiosk.models.audit import audit
from kiosk.staffing.service import sign_in_in_session, sign_out_in_session


def _fill_choices(form: StaffForm) -> None:
    form.window_id.choices = [(0, _("（不在窗口）"))] + [
        (w.id, f"{w.code} {w.name}") for w in db.session.scalars(sa.select(Window).order_by(Window.code))
    ]


@bp.get("/staff")
@role_required(*VIEW)
def staff_list():
    rows = db.session.scalars(sa.select(Staff).order_by(Staff.staff_no)).all()
    at_window = {w.staff_id: w for w in db.session.scalars(sa.select(Window).where(Window.staff_id.is_not(None)))}
    return render_template("admin/staff.html", staff=rows, at_window=at_window)


@bp.get("/staff/<int:staff_id>/photo")
@role_required(*VIEW)
def staff_photo(staff_id: int):
    person = db.session.get(Staff, staff_id)
    if person is None or not person.photo or not photo_path(person.photo).exists():
        abort(404)
    return send_file(photo_path(person.photo), mimetype="image/jpeg", max_age=3600)


def _read_photo(form: StaffForm) -> bytes | None:
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return normalise_photo(upload.read())
    except PhotoRefused as exc:
        form.photo.errors.append(str(exc))
        raise


def _save(staff_id: int | None, form: StaffForm):
    """Creates or updates a staff member, photo, PIN and window in one commit."""
    actor = current_user.username
    try:
        jpeg = _read_photo(form)  # decode before taking the writer lock
    except PhotoRefused:
        return None
    if not staff_id and not form.pin.data:
        form.pin.errors.append(_("新增工作人员须设置 PIN。"))
        return None
    pin_hash = hash_password(form.pin.data) if form.pin.data else None
    new_file = None
    try:
        with write_transaction(db.session()):
            person = db.session.get(Staff, staff_id) if staff_id else Staff()
            before = snapshots.staff(person) if staff_id else None
            clash = db.session.scalars(sa.select(Staff.id).where(
                Staff.staff_no == form.staff_no.data, Staff.id != (staff_id or 0))).first()
            if clash:
                form.staff_no.errors.append(_("工号 %(no)s 已存在。", no=form.staff_no.data))
                return None
            old_photo = person.photo
            person.staff_no, person.name, person.active = form.staff_no.data, form.name.data, form.active.data
            person.stars = form.stars.data or None
            if pin_hash:
                person.pin_hash = pin_hash
            if not staff_id:
                db.session.add(person)
            db.session.flush()
            if jpeg:
                new_file = store_photo(person.id, jpeg)
                person.photo = new_file
            _assign_window(person, form.window_id.data, actor)
            after = snapshots.staff(person)
            if pin_hash and staff_id:
                after["pin_changed"] = True
            audit(actor, "update" if staff_id else "create", "staff", person.staff_no, before, after)
            db.session.commit()
            new_file = None  # committed: keep it
            if jpeg and old_photo:
                remove_photo(old_photo)
            return person
    finally:
        remove_photo(new_file)  # nothing half-saved: a photo of a refused change goes too


def _assign_window(person: Staff, window_id: int, actor: str) -> None:
    current = db.session.scalars(sa.select(Window).where(Window.staff_id == person.id)).first()
    if not person.active or not window_id:
        if current is not None:
            sign_out_in_session(current, actor)
        return
    if current is None or current.id != window_id:
        sign_in_in_session(db.session.get(Window, window_id), person, "admin", actor)


def _render(form, title):
    return render_template("admin/form.html", form=form, title=title, multipart=True,
                           cancel=url_for("admin.staff_list")), 200 if not form.errors else 422


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def staff_new():
    form = StaffForm()
    _fill_choices(form)
    if form.validate_on_submit() and _save(None, form):
        flash(_("工作人员已添加。"), "success")
        return redirect(url_for("admin.staff_list"))
    return _render(form, _("添加工作人员"))


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@role_required(*MANAGE)
def staff_edit(staff_id: int):
    person = db.session.get(Staff, staff_id)
    if person is None:
        abort(404, _("工作人员不存在。"))
    form = StaffForm(obj=person)
    _fill_choices(form)
    if not form.is_submitted():
        window = db.session.scalars(sa.select(Window).where(Window.staff_id == person.id)).first()
        form.window_id.data = window.id if window else 0
        form.stars.data = person.stars or 0
    if form.validate_on_submit() and _save(staff_id, form):
        flash(_("工作人员已保存。"), "success")
        return redirect(url_for("admin.staff_list"))
    return _render(form, _("编辑工作人员 %(no)s", no=person.staff_no))
