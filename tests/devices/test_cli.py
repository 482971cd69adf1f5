"""flask devices add / list / demo-setup."""
import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Device, Window

pytestmark = pytest.mark.timeout(10)


def test_add_and_list_show_health_and_delivery(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["devices", "add", "--window", "A02", "--port", "/dev/ttyUSB0",
                             "--address", "7"])
    assert ok.exit_code == 0 and "exactly-once" in ok.output
    kp = runner.invoke(args=["devices", "add", "--window", "A03", "--port", "/dev/ttyACM0",
                             "--protocol", "kp-ascii"])
    assert kp.exit_code == 0 and "at-most-once" in kp.output
    again = runner.invoke(args=["devices", "add", "--window", "A02", "--port", "/dev/ttyUSB0",
                                "--address", "7"])
    assert again.exit_code != 0 and "7 已被占用" in again.output
    unknown = runner.invoke(args=["devices", "add", "--window", "Z99", "--port", "/dev/x"])
    assert unknown.exit_code != 0 and "Z99 不存在" in unknown.output

    listing = runner.invoke(args=["devices", "list"]).output.splitlines()
    assert listing[0].startswith("window\tprotocol")
    rows = [line.split("\t") for line in listing[1:]]
    assert rows[0][:4] == ["A03", "kp-ascii", "/dev/ttyACM0#1", "OFFLINE"]
    assert rows[0][-1] == "at-most-once" and rows[1][-1] == "exactly-once"


def test_demo_setup_puts_one_evaluator_per_window_in_code_order(app, tmp_path):
    runner = app.test_cli_runner()
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["devices", "demo-setup"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(
            sa.select(Device.address, Window.code, Device.port)
            .join(Window, Window.id == Device.window_id).order_by(Device.address)).all()
        codes = db.session.scalars(sa.select(Window.code).order_by(Window.code)).all()
    assert [(a, c) for a, c, _ in rows] == list(enumerate(codes, start=1))
    assert {p for _, _, p in rows} == {str(tmp_path / "evaluators.tty")}


def test_add_slz68_window_wiring_and_remove(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["devices", "add", "--protocol", "slz68", "--window", "A02",
                             "--port", "/dev/ttyUSB1", "--caller", "1", "--evaluator", "0x81",
                             "--timeout", "20"])
    assert ok.exit_code == 0, ok.output
    assert "at-most-once" in ok.output
    with app.app_context():
        device = db.session.scalars(sa.select(Device).where(Device.port == "/dev/ttyUSB1")).one()
        assert (device.protocol, device.address, device.caller_address, device.offer_timeout_s) \
            == ("slz68", 0x81, 1, 20)
    bad = runner.invoke(args=["devices", "add", "--protocol", "slz68", "--window", "A03",
                              "--port", "/dev/ttyUSB1", "--caller", "0x90", "--evaluator", "0x82"])
    assert bad.exit_code != 0 and "0x01–0x7F" in bad.output
    taken = runner.invoke(args=["devices", "add", "--protocol", "slz68", "--window", "A03",
                                "--port", "/dev/ttyUSB1", "--caller", "1", "--evaluator", "0x82"])
    assert taken.exit_code != 0 and "已被占用" in taken.output
    gone = runner.invoke(args=["devices", "remove", "--port", "/dev/ttyUSB1", "--address", "0x81"])
    assert gone.exit_code == 0, gone.output
    with app.app_context():
        assert db.session.scalars(sa.select(Device).where(Device.port == "/dev/ttyUSB1")).all() == []
