"""Device management in the admin: the same rules as the CLI, audited, roles on the server."""
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import AuditLog, Device, Window


def window_id(app, code):
    with app.app_context():
        return db.session.scalars(sa.select(Window.id).where(Window.code == code)).one()


def test_manager_adds_changes_and_removes_an_slz68_evaluator(app, as_role):
    manager = as_role("manager")
    form = {"window_id": window_id(app, "A02"), "protocol": "slz68", "port": "/dev/ttyUSB1",
            "address": "0x81", "caller": "0x01", "timeout_s": "20", "baud": "9600"}
    r = manager.post("/admin/devices/new", form, token_from="/admin/devices/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        device = db.session.scalars(sa.select(Device)).one()
        assert (device.protocol, device.address, device.caller_address,
                device.offer_timeout_s) == ("slz68", 0x81, 1, 20)
        device_id = device.id
    page = manager.get("/admin/devices").get_data(as_text=True)
    assert "/dev/ttyUSB1 #129" in page and "0x01" in page

    r = manager.post(f"/admin/devices/{device_id}", {**form, "timeout_s": "45"},
                     token_from=f"/admin/devices/{device_id}")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Device, device_id).offer_timeout_s == 45

    r = manager.post(f"/admin/devices/{device_id}/remove", {}, token_from="/admin/devices")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Device)).all() == []
        actions = db.session.scalars(sa.select(AuditLog.action).where(
            AuditLog.entity == "device").order_by(AuditLog.id)).all()
        assert actions == ["create", "update", "delete"]


def test_bad_device_settings_are_refused_with_a_reason_and_store_nothing(app, as_role):
    manager = as_role("manager")
    form = {"window_id": window_id(app, "A01"), "protocol": "slz68", "port": "/dev/ttyUSB1",
            "address": "0x81", "caller": "0x99", "timeout_s": "30", "baud": "9600"}
    r = manager.post("/admin/devices/new", form, token_from="/admin/devices/new")
    assert r.status_code == 422 and "0x01–0x7F" in r.get_data(as_text=True)
    r = manager.post("/admin/devices/new", {**form, "protocol": "evp", "caller": "",
                                            "address": "abc"}, token_from="/admin/devices/new")
    assert r.status_code == 422 and "abc" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Device)).all() == []


def test_auditor_sees_devices_but_cannot_change_them(app, as_role):
    auditor = as_role("auditor")
    assert auditor.get("/admin/devices").status_code == 200
    assert auditor.get("/admin/devices/new").status_code == 403
