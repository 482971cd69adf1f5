"""Adding, changing and removing devices: the one set of rules behind the CLI and the admin
page. The running listener picks the change up by itself (kiosk/devices/reload.py)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.devices.caller_offers import DEFAULT_TIMEOUT_S
from kiosk.devices.config import LISTENED_PROTOCOLS
from kiosk.extensions import db
from kiosk.models import Device, Window
from kiosk.models.audit import audit

BAUDS = (9600, 19200, 115200)
EVP_ADDRESSES = range(1, 248)
SLZ_CALLERS = range(0x01, 0x80)
SLZ_EVALUATORS = range(0x81, 0x100)
TIMEOUTS_S = range(5, 256)


def delivery_of(protocol: str) -> str:
    """What the protocol guarantees for a key press: the driver says it itself."""
    from device_drivers.registry import get_factory

    try:
        driver_class = getattr(get_factory(protocol), "__self__", None)
    except ValueError:
        return "?"
    return getattr(driver_class, "delivery", "?")


class DeviceConfigError(ValueError):
    """A device setting that cannot work; the message says which and why."""


@dataclass(frozen=True)
class DeviceSpec:
    window_code: str
    protocol: str
    port: str
    address: int = 1  # EVP/1: the DIP-switch address; SLZ-68: the evaluator's address
    baud: int = 9600
    caller: int | None = None  # SLZ-68 only
    timeout_s: int | None = None  # SLZ-68 only: how long 请评价 waits for a press


def parse_address(text: str | int) -> int:
    """Decimal or 0x… (SLZ-68 addresses are usually written in hex)."""
    try:
        return text if isinstance(text, int) else int(str(text).strip(), 0)
    except ValueError:
        raise DeviceConfigError(_l("地址 %(value)s 不是数字。", value=text)) from None


def _check(spec: DeviceSpec) -> Window:
    window = db.session.scalars(sa.select(Window).where(Window.code == spec.window_code)).first()
    if window is None:
        raise DeviceConfigError(_l("窗口 %(code)s 不存在。", code=spec.window_code))
    if spec.protocol not in LISTENED_PROTOCOLS:
        raise DeviceConfigError(_l("未知协议 %(name)s。", name=spec.protocol))
    if not spec.port.strip():
        raise DeviceConfigError(_l("端口必填。"))
    if spec.baud not in BAUDS:
        raise DeviceConfigError(_l("波特率只能是 9600、19200 或 115200。"))
    if spec.protocol == "slz68":
        if spec.caller not in SLZ_CALLERS:
            raise DeviceConfigError(_l("SLZ-68 呼叫器地址应为 0x01–0x7F。"))
        if spec.address not in SLZ_EVALUATORS:
            raise DeviceConfigError(_l("SLZ-68 评价器地址应为 0x81–0xFF。"))
        if spec.timeout_s is not None and spec.timeout_s not in TIMEOUTS_S:
            raise DeviceConfigError(_l("等待评价的时间应为 5–255 秒。"))
    else:
        if spec.caller is not None:
            raise DeviceConfigError(_l("只有 SLZ-68 评价器有呼叫器。"))
        if spec.address not in EVP_ADDRESSES:
            raise DeviceConfigError(_l("地址应为 1–247。"))
    return window


def _clash(spec: DeviceSpec, device_id: int | None) -> None:
    addresses = {spec.address} | ({spec.caller} if spec.caller else set())
    for other in db.session.scalars(sa.select(Device).where(Device.port == spec.port)):
        if other.id == device_id:
            continue
        taken = {other.address} | ({other.caller_address} if other.caller_address else set())
        if addresses & taken:
            raise DeviceConfigError(_l("端口 %(port)s 上的地址 %(address)s 已被占用。",
                                       port=spec.port, address=min(addresses & taken)))
        if other.protocol != spec.protocol or other.baud != spec.baud:
            raise DeviceConfigError(_l("同一端口上的设备必须使用相同的协议和波特率。"))


def _values(spec: DeviceSpec, window: Window) -> dict:
    slz = spec.protocol == "slz68"
    return {"window_id": window.id, "protocol": spec.protocol, "port": spec.port.strip(),
            "address": spec.address, "baud": spec.baud,
            "caller_address": spec.caller if slz else None,
            "offer_timeout_s": (spec.timeout_s or DEFAULT_TIMEOUT_S) if slz else None}


def describe(device: Device) -> dict:
    return {"window_id": device.window_id, "protocol": device.protocol, "port": device.port,
            "address": device.address, "baud": device.baud, "caller": device.caller_address,
            "timeout_s": device.offer_timeout_s}


def add_device(spec: DeviceSpec, actor: str) -> Device:
    """Caller commits."""
    window = _check(spec)
    _clash(spec, None)
    device = Device(**_values(spec, window))
    db.session.add(device)
    db.session.flush()
    audit(actor, "create", "device", str(device.id), after=describe(device))
    return device


def change_device(device: Device, spec: DeviceSpec, actor: str) -> Device:
    """Caller commits. Health columns are the listener's and stay as they are."""
    window = _check(spec)
    _clash(spec, device.id)
    before = describe(device)
    for column, value in _values(spec, window).items():
        setattr(device, column, value)
    audit(actor, "update", "device", str(device.id), before=before, after=describe(device))
    return device


def remove_device(device: Device, actor: str) -> None:
    """Caller commits. The device's log rows stay (their device_id becomes empty)."""
    audit(actor, "delete", "device", str(device.id), before=describe(device))
    db.session.delete(device)
