"""Evaluator devices configured at windows, their health, and their event log."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow


class Device(db.Model):
    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id", ondelete="SET NULL"))
    protocol: Mapped[str] = mapped_column(sa.String(20))  # registry name: evp, kp-ascii, …
    port: Mapped[str] = mapped_column(sa.String(200))  # serial path or pyserial URL
    address: Mapped[int] = mapped_column(default=1)
    baud: Mapped[int] = mapped_column(default=9600)
    # SLZ-68 windows: the clerk's caller keypad that opens an offer for this evaluator, and
    # how long the offer stays open (seconds).
    caller_address: Mapped[int | None]
    offer_timeout_s: Mapped[int | None]
    # Health, written by the device listener.
    serial_no: Mapped[str | None] = mapped_column(sa.String(32))
    firmware: Mapped[str | None] = mapped_column(sa.String(16))
    keys: Mapped[int | None]
    online: Mapped[bool] = mapped_column(default=False)
    last_seen: Mapped[datetime | None]
    misses: Mapped[int] = mapped_column(default=0)
    queue_depth: Mapped[int | None]

    window = relationship("Window")

    __table_args__ = (sa.UniqueConstraint("port", "address", name="uq_device_port_address"),)


class DeviceLog(db.Model):
    __tablename__ = "device_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))  # power_on, cover, uninvited_refused, …
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    # "evp:<serial>:<event_id>" for rows written for a device event: a re-sent event (the
    # host crashed between commit and ACK) is logged once.
    source_ref: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
