"""Which devices the listener drives: Device rows grouped into buses (one per serial port)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Device, Window

# Protocols whose events this listener turns into ratings.
LISTENED_PROTOCOLS = ("evp", "kp-ascii", "slz68")


@dataclass(frozen=True)
class DeviceBinding:
    device_id: int
    address: int
    window_id: int | None
    window_code: str | None
    caller_address: int | None = None  # SLZ-68: the clerk's caller that opens offers
    offer_timeout_s: int | None = None


@dataclass(frozen=True)
class BusConfig:
    protocol: str
    port: str
    baud: int
    devices: tuple[DeviceBinding, ...]

    @property
    def addresses(self) -> list[int]:
        """Every address the driver must answer: the devices and their callers."""
        callers = [d.caller_address for d in self.devices if d.caller_address is not None]
        return [d.address for d in self.devices] + callers


def load_buses() -> list[BusConfig]:
    rows = db.session.execute(
        sa.select(Device.id, Device.protocol, Device.port, Device.baud, Device.address,
                  Device.window_id, Window.code, Device.caller_address, Device.offer_timeout_s)
        .outerjoin(Window, Window.id == Device.window_id)
        .where(Device.protocol.in_(LISTENED_PROTOCOLS))
        .order_by(Device.port, Device.address)
    ).all()
    db.session.commit()
    grouped: dict[tuple[str, str, int], list[DeviceBinding]] = {}
    for r in rows:
        grouped.setdefault((r.protocol, r.port, r.baud), []).append(
            DeviceBinding(r.id, r.address, r.window_id, r.code, r.caller_address,
                          r.offer_timeout_s))
    return [BusConfig(protocol, port, baud, tuple(devices))
            for (protocol, port, baud), devices in grouped.items()]
