"""flask --app wsgi devices add | list | listen | demo-setup"""
from __future__ import annotations

import logging
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from kiosk.devices.caller_offers import DEFAULT_TIMEOUT_S
from kiosk.devices.config import LISTENED_PROTOCOLS
from kiosk.devices.manage import (
    DeviceConfigError,
    DeviceSpec,
    add_device,
    delivery_of,
    parse_address,
    remove_device,
)
from kiosk.extensions import db
from kiosk.models import Device, Window

devices_cli = AppGroup("devices", help="Counter evaluators (评价器) and the device listener.")

DEMO_PORT_FILE = "evaluators.tty"  # the simulator's pty link in the instance folder
DEMO_CONTROL_FILE = "evaluators.sock"


class AddressParam(click.ParamType):
    name = "address"

    def convert(self, value, param, ctx):
        try:
            return parse_address(value)
        except DeviceConfigError as exc:
            self.fail(str(exc), param, ctx)


@devices_cli.command("add")
@click.option("--window", "window_code", required=True, help="window code, e.g. A01")
@click.option("--port", required=True, help="serial path (/dev/ttyUSB0, a pty link) or URL")
@click.option("--protocol", type=click.Choice(LISTENED_PROTOCOLS), default="evp",
              show_default=True)
@click.option("--address", type=AddressParam(), default=None,
              help="EVP/1 DIP-switch address 1-247 (default 1)")
@click.option("--evaluator", type=AddressParam(), default=None,
              help="SLZ-68: the evaluator's address, 0x81-0xFF")
@click.option("--caller", type=AddressParam(), default=None,
              help="SLZ-68: the clerk's caller address, 0x01-0x7F")
@click.option("--timeout", "timeout_s", type=int, default=None,
              help=f"SLZ-68: seconds a 请评价 waits for a press (default {DEFAULT_TIMEOUT_S})")
@click.option("--baud", type=click.Choice(["9600", "19200", "115200"]), default="9600",
              show_default=True)
def devices_add(window_code: str, port: str, protocol: str, address: int | None,
                evaluator: int | None, caller: int | None, timeout_s: int | None,
                baud: str) -> None:
    """Configure a device at a window; a running listener picks it up within seconds."""
    if protocol == "slz68" and evaluator is None:
        raise click.ClickException("SLZ-68 needs --evaluator and --caller")
    spec = DeviceSpec(window_code, protocol, port,
                      address=evaluator if protocol == "slz68" else (address or 1),
                      baud=int(baud), caller=caller, timeout_s=timeout_s)
    try:
        add_device(spec, "cli")
    except DeviceConfigError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    wiring = f" caller {caller:#04x}" if caller is not None else ""
    click.echo(f"{protocol} device {port}#{spec.address}{wiring} added at {window_code} "
               f"(delivery: {delivery_of(protocol)})")


@devices_cli.command("remove")
@click.option("--port", required=True)
@click.option("--address", type=AddressParam(), required=True)
def devices_remove(port: str, address: int) -> None:
    """Remove a device; a running listener lets go of it within seconds."""
    device = db.session.scalars(sa.select(Device).where(Device.port == port,
                                                        Device.address == address)).first()
    if device is None:
        raise click.ClickException(f"no device {port}#{address}")
    remove_device(device, "cli")
    db.session.commit()
    click.echo(f"device {port}#{address} removed")


@devices_cli.command("list")
def devices_list() -> None:
    """Configured devices with the health the listener last wrote."""
    rows = db.session.execute(
        sa.select(Device, Window.code).outerjoin(Window, Window.id == Device.window_id)
        .order_by(Device.port, Device.address)).all()
    click.echo("window\tprotocol\tport#address\tonline\tlast_seen\tmisses\tserial\tfirmware"
               "\tkeys\tdelivery")
    for d, code in rows:
        seen = d.last_seen.isoformat(timespec="seconds") + "Z" if d.last_seen else "-"
        click.echo("\t".join(str(v) for v in (
            code or "-", d.protocol, f"{d.port}#{d.address}", "online" if d.online else "OFFLINE",
            seen, d.misses, d.serial_no or "-", d.firmware or "-", d.keys or "-",
            delivery_of(d.protocol))))


@devices_cli.command("listen")
@click.option("--verbose", is_flag=True, help="log every outcome")
def devices_listen(verbose: bool) -> None:
    """Run the device listener until SIGTERM / Ctrl-C."""
    from kiosk.devices.listener import Listener

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Listener.from_database(current_app._get_current_object()).run_forever()


@devices_cli.command("demo-setup")
@click.option("--port", default=None, help=f"default: <instance>/{DEMO_PORT_FILE}")
def devices_demo_setup(port: str | None) -> None:
    """One simulated EVP/1 evaluator per window on one bus: address = window index + 1
    (windows in code order). Idempotent."""
    port = port or str(Path(current_app.instance_path) / DEMO_PORT_FILE)
    windows = db.session.scalars(sa.select(Window).order_by(Window.code)).all()
    existing = {d.address: d for d in db.session.scalars(
        sa.select(Device).where(Device.port == port))}
    for index, window in enumerate(windows):
        address = index + 1
        if address in existing:
            existing[address].window_id = window.id
            continue
        add_device(DeviceSpec(window.code, "evp", port, address), "cli")
    db.session.commit()
    click.echo(f"{len(windows)} demo evaluators on {port}, addresses 1-{len(windows)}")
