"""Which devices the listener drives: Device rows grouped into buses (one per serial port)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Device, Window

# Protocols whose events this listener turns into ratings. SLZ-68 windows are wired by
# kiosk/slz68_windows.py (a caller opens the offer there, not the business API).
LISTENED_PROTOCOLS = ("evp", "kp-ascii")


@dataclass(frozen=True)
class DeviceBinding:
    device_id: int
    address: int
    window_id: int | None
    window_code: str | None


@dataclass(frozen=True)
class BusConfig:
    protocol: str
    port: str
    baud: int
    devices: tuple[DeviceBinding, ...]

    @property
    def addresses(self) -> list[int]:
        return [d.address for d in self.devices]


def load_buses() -> list[BusConfig]:
    rows = db.session.execute(
        sa.select(Device.id, Device.protocol, Device.port, Device.baud, Device.address,
                  Device.window_id, Window.code)
        .outerjoin(Window, Window.id == Device.window_id)
        .where(Device.protocol.in_(LISTENED_PROTOCOLS))
        .order_by(Device.port, Device.address)
    ).all()
    db.session.commit()
    grouped: dict[tuple[str, str, int], list[DeviceBinding]] = {}
    for r in rows:
        grouped.setdefault((r.protocol, r.port, r.baud), []).append(
            DeviceBinding(r.id, r.address, r.window_id, r.code))
    return [BusConfig(protocol, port, baud, tuple(devices))
            for (protocol, port, baud), devices in grouped.items()]
