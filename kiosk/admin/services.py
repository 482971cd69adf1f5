"""Service items (事项编码)."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from kiosk.admin import bp, snapshots
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.departments import department_choices
from kiosk.admin.forms import ServiceForm
from kiosk.auth.decorators import role_required
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import ServiceItem
from kiosk.models.audit import audit


@bp.get("/services")
@role_required(*VIEW)
def services():
    rows = db.session.scalars(sa.select(ServiceItem).order_by(ServiceItem.code)
                              .options(joinedload(ServiceItem.department))).all()
    return render_template("admin/services.html", services=rows)


def _save(service_id: int | None, form: ServiceForm):
    with write_transaction(db.session()):
        item = db.session.get(ServiceItem, service_id) if service_id else ServiceItem()
        before = snapshots.service(item) if service_id else None
        clash = db.session.scalars(sa.select(ServiceItem.id).where(
            ServiceItem.code == form.code.data, ServiceItem.id != (service_id or 0))).first()
        if clash:
            form.code.errors.append(_("事项编码 %(code)s 已存在。", code=form.code.data))
            return None
        item.code, item.name = form.code.data, form.name.data
        item.department_id = form.department_id.data or None
        if not service_id:
            db.session.add(item)
        audit(current_user.username, "update" if service_id else "create", "service_item",
              item.code, before, snapshots.service(item))
        db.session.commit()
        return item


def _render(form, title):
    return render_template("admin/form.html", form=form, title=title,
                           cancel=url_for("admin.services")), 200 if not form.errors else 422


@bp.route("/services/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def service_new():
    form = ServiceForm()
    form.department_id.choices = department_choices()
    if form.validate_on_submit() and _save(None, form):
        flash(_("事项已添加。"), "success")
        return redirect(url_for("admin.services"))
    return _render(form, _("添加事项"))


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@role_required(*MANAGE)
def service_edit(service_id: int):
    item = db.session.get(ServiceItem, service_id)
    if item is None:
        abort(404, _("事项不存在。"))
    form = ServiceForm(obj=item)
    form.department_id.choices = department_choices()
    if not form.is_submitted():
        form.department_id.data = item.department_id or 0
    if form.validate_on_submit() and _save(service_id, form):
        flash(_("事项已保存。"), "success")
        return redirect(url_for("admin.services"))
    return _render(form, _("编辑事项 %(code)s", code=item.code))
