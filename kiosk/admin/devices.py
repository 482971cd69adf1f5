"""Evaluator devices and the health the device listener records."""
import sqlalchemy as sa
from flask import render_template

from kiosk.admin import bp
from kiosk.admin.access import VIEW
from kiosk.auth.decorators import role_required
from kiosk.extensions import db
from kiosk.models import Device

# What each protocol guarantees for a key press (docs/protocol.md).
DELIVERY = {"evp": "exactly-once", "kp-ascii": "at-most-once"}


def delivery_of(protocol: str) -> str | None:
    return DELIVERY.get(protocol)


@bp.get("/devices")
@role_required(*VIEW)
def devices():
    rows = db.session.scalars(sa.select(Device).order_by(Device.port, Device.address)).all()
    return render_template("admin/devices.html", devices=rows, delivery_of=delivery_of)
