"""Devices (评价器 and SLZ-68 callers): health as the listener records it, and adding,
changing and removing them. The rules are kiosk/devices/manage.py's, the same as the CLI's;
the running listener picks a change up within seconds."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.forms import ActionForm, DeviceForm
from kiosk.auth.decorators import role_required
from kiosk.db_setup import write_transaction
from kiosk.devices.manage import (
    DeviceConfigError,
    DeviceSpec,
    add_device,
    change_device,
    delivery_of,
    parse_address,
    remove_device,
)
from kiosk.extensions import db
from kiosk.models import Device, Window


@bp.get("/devices")
@role_required(*VIEW)
def devices():
    rows = db.session.scalars(sa.select(Device).order_by(Device.port, Device.address)).all()
    return render_template("admin/devices.html", devices=rows, delivery_of=delivery_of,
                           action_form=ActionForm())


def _device_or_404(device_id: int) -> Device:
    device = db.session.get(Device, device_id)
    if device is None:
        abort(404, _("设备不存在。"))
    return device


def _form(device: Device | None) -> DeviceForm:
    form = DeviceForm(obj=device)
    form.window_id.choices = [(w.id, f"{w.code} {w.name}") for w in db.session.scalars(
        sa.select(Window).order_by(Window.code))]
    if device is not None and not form.is_submitted():
        form.address.data = f"{device.address:#04x}" if device.protocol == "slz68" \
            else str(device.address)
        form.caller.data = f"{device.caller_address:#04x}" if device.caller_address else ""
        form.timeout_s.data = device.offer_timeout_s or 30
    return form


def _spec(form: DeviceForm) -> DeviceSpec:
    window = db.session.get(Window, form.window_id.data)
    slz = form.protocol.data == "slz68"
    return DeviceSpec(
        window.code if window else "", form.protocol.data, form.port.data,
        parse_address(form.address.data), form.baud.data,
        caller=parse_address(form.caller.data) if slz and form.caller.data else None,
        timeout_s=form.timeout_s.data if slz else None)


def _save(device_id: int | None, form: DeviceForm) -> bool:
    """One commit with its audit row; False (and the reason on the form) if it cannot work."""
    try:
        with write_transaction(db.session()):  # the listener writes health rows concurrently
            spec = _spec(form)
            if device_id is None:
                add_device(spec, current_user.username)
            else:
                change_device(_device_or_404(device_id), spec, current_user.username)
            db.session.commit()
        return True
    except DeviceConfigError as exc:
        db.session.rollback()
        form.port.errors.append(str(exc))
        return False


def _render(form: DeviceForm, title: str):
    return render_template("admin/form.html", form=form, title=title,
                           cancel=url_for("admin.devices")), 422 if form.errors else 200


@bp.route("/devices/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def device_new():
    form = _form(None)
    if form.validate_on_submit() and _save(None, form):
        flash(_("设备已添加，监听进程几秒内开始驱动它。"), "success")
        return redirect(url_for("admin.devices"))
    return _render(form, _("添加设备"))


@bp.route("/devices/<int:device_id>", methods=["GET", "POST"])
@role_required(*MANAGE)
def device_edit(device_id: int):
    device = _device_or_404(device_id)
    form = _form(device)
    if form.validate_on_submit() and _save(device_id, form):
        flash(_("设备已保存，监听进程几秒内按新设置驱动它。"), "success")
        return redirect(url_for("admin.devices"))
    return _render(form, _("编辑设备 %(port)s #%(address)s", port=device.port,
                           address=device.address))


@bp.post("/devices/<int:device_id>/remove")
@role_required(*MANAGE)
def device_remove(device_id: int):
    if ActionForm().validate_on_submit():
        with write_transaction(db.session()):
            remove_device(_device_or_404(device_id), current_user.username)
            db.session.commit()
        flash(_("设备已删除。"), "success")
    return redirect(url_for("admin.devices"))
