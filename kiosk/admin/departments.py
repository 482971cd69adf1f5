"""Departments (部门 / 实施主体): list, add, edit, and the import of the department list and
the 事项清单 (upload → dry run → confirm), with downloadable templates."""
import os
import re
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.admin import bp, snapshots
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.forms import ActionForm, DepartmentForm, ImportForm
from kiosk.auth.decorators import role_required
from kiosk.db_setup import write_transaction
from kiosk.departments import credit_code, jobs
from kiosk.departments.imports import DEPARTMENT_COLUMNS, SERVICE_COLUMNS
from kiosk.departments.tables import write_csv_template, write_xlsx_template
from kiosk.extensions import db
from kiosk.models import Department, ServiceItem, User, Window
from kiosk.models.audit import audit

IMPORT_KINDS = {"departments": _l("导入部门"), "services": _l("导入事项清单")}
# Template columns: the first header name of each field, and one example row.
TEMPLATES = {
    "departments": ([DEPARTMENT_COLUMNS[f][0] for f in ("name", "credit_code", "region_code",
                                                        "active")],
                    ["五华区市场监督管理局", "11530102MB0000003A", "530102", "是"]),
    "services": ([SERVICE_COLUMNS[f][0] for f in ("code", "name", "dept_code", "dept_name")],
                 ["530102003000", "个体工商户设立登记", "11530102MB0000003A",
                  "五华区市场监督管理局"]),
}
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")


def department_choices() -> list[tuple[int, str]]:
    """For a select of departments: the active ones, and 0 for none."""
    rows = db.session.execute(sa.select(Department.id, Department.name)
                              .where(Department.active).order_by(Department.name)).all()
    return [(0, _("（不属于部门）")), *[(dept_id, name) for dept_id, name in rows]]


def _counts(column) -> dict[int, int]:
    return dict(db.session.execute(sa.select(column, sa.func.count()).where(column.is_not(None))
                                   .group_by(column)).all())


@bp.get("/departments")
@role_required(*VIEW)
def departments():
    rows = db.session.scalars(sa.select(Department).order_by(Department.active.desc(),
                                                             Department.name)).all()
    return render_template(
        "admin/departments.html", departments=rows,
        items=_counts(ServiceItem.department_id), windows=_counts(Window.department_id),
        handlers=_counts(User.department_id))


def _save(dept_id: int | None, form: DepartmentForm):
    code = credit_code.normalise(form.credit_code.data)
    with write_transaction(db.session()):
        dept = db.session.get(Department, dept_id) if dept_id else Department()
        before = snapshots.department(dept) if dept_id else None
        clash = db.session.scalars(sa.select(Department.id).where(
            Department.credit_code == code, Department.id != (dept_id or 0))).first()
        if clash:
            form.credit_code.errors.append(_("统一社会信用代码 %(code)s 已存在。", code=code))
            return None
        dept.name, dept.credit_code, dept.active = form.name.data, code, form.active.data
        dept.region_code = form.region_code.data or credit_code.region_of(code)
        if not dept_id:
            db.session.add(dept)
        audit(current_user.username, "update" if dept_id else "create", "department", code,
              before, snapshots.department(dept))
        db.session.commit()
        return dept


def _render(form, title):
    return render_template("admin/form.html", form=form, title=title,
                           cancel=url_for("admin.departments")), 200 if not form.errors else 422


@bp.route("/departments/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def department_new():
    form = DepartmentForm()
    if form.validate_on_submit() and _save(None, form):
        flash(_("部门已添加。"), "success")
        return redirect(url_for("admin.departments"))
    return _render(form, _("添加部门"))


@bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
@role_required(*MANAGE)
def department_edit(dept_id: int):
    dept = db.session.get(Department, dept_id)
    if dept is None:
        abort(404, _("部门不存在。"))
    form = DepartmentForm(obj=dept)
    if form.validate_on_submit() and _save(dept_id, form):
        flash(_("部门已保存。"), "success")
        return redirect(url_for("admin.departments"))
    return _render(form, _("编辑部门 %(name)s", name=dept.name))


# ---- import ------------------------------------------------------------------------------

def _kind_or_404(kind: str) -> str:
    if kind not in IMPORT_KINDS:
        abort(404)
    return kind


def _upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@bp.get("/import/<kind>")
@role_required(*MANAGE)
def import_page(kind: str):
    _kind_or_404(kind)
    return render_template("admin/import.html", kind=kind, title=IMPORT_KINDS[kind],
                           form=ImportForm(), report=None)


@bp.post("/import/<kind>")
@role_required(*MANAGE)
def import_upload(kind: str):
    """Keeps the upload under instance/imports and starts its dry run beside the request;
    the status page shows its result."""
    _kind_or_404(kind)
    form = ImportForm()
    upload = request.files.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if not form.validate_on_submit() or suffix not in (".csv", ".xlsx"):
        flash(_("请选择 CSV 或 XLSX 文件。"), "error")
        return render_template("admin/import.html", kind=kind, title=IMPORT_KINDS[kind],
                               form=form, report=None), 422
    name = secrets.token_hex(16) + suffix
    path = _upload_folder() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        upload.save(out)
    jobs.start(current_app._get_current_object(), kind, path, dry_run=True,
               actor=current_user.username, source_name=(upload.filename or "")[:200])
    return redirect(url_for("admin.import_status", kind=kind, upload=name))


def _upload_or_404(upload: str) -> Path:
    if not UPLOAD_NAME.match(upload):
        abort(404)
    return _upload_folder() / upload


@bp.get("/import/<kind>/<upload>")
@role_required(*MANAGE)
def import_status(kind: str, upload: str):
    """The job's state: still running (the page reloads itself), the dry run's report with
    the confirm button, or the import's result."""
    _kind_or_404(kind)
    path = _upload_or_404(upload)
    found = jobs.read(path)
    if found is None or found[2].get("kind") != kind:
        flash(_("上传的文件已失效，请重新上传。"), "error")
        return redirect(url_for("admin.import_page", kind=kind))
    state, report, facts = found
    if state == jobs.FAILED:
        jobs.forget(path)
        flash(_("导入失败，没有写入任何数据。请重新上传；如仍失败，请联系管理员查看日志。"),
              "error")
        return redirect(url_for("admin.import_page", kind=kind))
    if state == jobs.DONE:
        jobs.forget(path)
        if report.written:
            flash(_("已导入：新增 %(created)d，更新 %(updated)d。", created=report.created,
                    updated=report.updated), "success")
            return redirect(url_for("admin.departments" if kind == "departments"
                                    else "admin.services"))
    elif state == jobs.CHECKED and not report.ok:
        jobs.forget(path)
    return render_template("admin/import.html", kind=kind, title=IMPORT_KINDS[kind],
                           form=ImportForm(), report=report, upload=upload,
                           source=facts.get("source", ""), confirm_form=ActionForm(),
                           running=state in jobs.RUNNING,
                           writing=state == jobs.WRITING)


@bp.post("/import/<kind>/<upload>")
@role_required(*MANAGE)
def import_confirm(kind: str, upload: str):
    """Starts the write of a checked upload beside the request."""
    _kind_or_404(kind)
    path = _upload_or_404(upload)
    if not ActionForm().validate_on_submit():
        abort(400)
    found = jobs.read(path)
    if found is None or found[0] != jobs.CHECKED or not found[1].ok or not path.exists():
        flash(_("上传的文件已失效，请重新上传。"), "error")
        return redirect(url_for("admin.import_page", kind=kind))
    jobs.start(current_app._get_current_object(), kind, path, dry_run=False,
               actor=current_user.username, source_name=found[2].get("source", ""))
    return redirect(url_for("admin.import_status", kind=kind, upload=upload))


@bp.get("/import/<kind>/template.<fmt>")
@role_required(*VIEW)
def import_template(kind: str, fmt: str):
    headers, example = TEMPLATES[_kind_or_404(kind)]
    if fmt == "xlsx":
        data = write_xlsx_template(headers, example, kind)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        data, mimetype = write_csv_template(headers, example), "text/csv; charset=utf-8"
    else:
        abort(404)
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{kind}-template.{fmt}"'})
