"""Hall settings: name, 行政区划, 统一社会信用代码, uninvited ratings, voice, QR base URL."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.admin import bp, snapshots
from kiosk.admin.access import MANAGE, VIEW
from kiosk.admin.forms import HallForm
from kiosk.auth.decorators import role_required
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import Hall
from kiosk.models.audit import audit

FIELDS = ("name", "name_en", "supervision_phone", "service_promise", "region_code", "dept_code", "allow_uninvited", "voice_enabled", "public_base_url")


def _hall() -> Hall | None:
    return db.session.scalars(sa.select(Hall).order_by(Hall.id).limit(1)).first()


@bp.get("/settings")
@role_required(*VIEW)
def settings():
    return render_template("admin/form.html", form=HallForm(obj=_hall()), title=_("大厅设置"),
                           action=url_for("admin.settings_save"), readonly=not _can_edit())


def _can_edit() -> bool:
    return current_user.role in MANAGE


@bp.post("/settings")
@role_required(*MANAGE)
def settings_save():
    form = HallForm()
    if form.validate_on_submit():
        with write_transaction(db.session()):
            hall = _hall() or Hall(name=form.name.data)
            before = snapshots.hall(hall) if hall.id else None
            for field in FIELDS:
                setattr(hall, field, getattr(form, field).data)
            db.session.add(hall)
            audit(current_user.username, "update", "hall", hall.id, before, snapshots.hall(hall))
            db.session.commit()
        flash(_("大厅设置已保存。"), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/form.html", form=form, title=_("大厅设置"),
                           action=url_for("admin.settings_save")), 422
