"""Device health into the Device rows (throttled), and the listener's heartbeat file.

Runs on its own thread, never on the press -> commit -> ACK path: once a second it writes
the rows whose health changed (last_seen alone, which moves on every answer, at most every
LAST_SEEN_EVERY_S) and rewrites instance/devices.heartbeat, which /healthz
reads by its mtime (kiosk/ops/probes.py).
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from kiosk.db_setup import write_transaction
from kiosk.devices.bus_worker import BusWorker
from kiosk.extensions import db
from kiosk.models import Device
from kiosk.ops.probes import LISTENER_HEARTBEAT_FILE

log = logging.getLogger("kiosk.devices")
INTERVAL_S = 1.0
LAST_SEEN_EVERY_S = 30.0  # /healthz reads the heartbeat file, written every INTERVAL_S
STALLED_AFTER_S = 15.0  # a bus loop silent this long (backoff waits wake every second) is stuck


def health_row(online: bool, health) -> dict:
    """Device columns from a driver's DeviceHealth (None: the port is down / never seen)."""
    if health is None:
        return {"online": False}
    row = {"online": bool(online and health.online), "misses": health.consecutive_misses}
    if health.last_seen is not None:
        row["last_seen"] = health.last_seen.replace(tzinfo=None)
    for column, value in (("serial_no", health.serial), ("firmware", health.firmware),
                          ("keys", health.keys)):
        if value is not None:
            row[column] = value
    return row


def needs_writing(row: dict, written: dict | None) -> bool:
    """A change of anything but last_seen is written at once; last_seen alone (it moves on
    every answer) every LAST_SEEN_EVERY_S: each write takes the database's one write lock,
    which the bus threads' press commits wait for."""
    if written is None:
        return True
    if {k: v for k, v in row.items() if k != "last_seen"} != {
            k: v for k, v in written.items() if k != "last_seen"}:
        return True
    seen, before = row.get("last_seen"), written.get("last_seen")
    if seen is None or before is None:
        return seen != before
    return (seen - before).total_seconds() >= LAST_SEEN_EVERY_S


def write_heartbeat(path: Path, workers: list[BusWorker]) -> None:
    state = {
        "pid": os.getpid(),
        "at": datetime.now(UTC).isoformat(),
        "ports": {w.bus.port: {"up": w.port_up, "error": w.port_error,
                               "outcomes": dict(w.outcomes)} for w in workers},
    }
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader never sees half a file


class HealthWriter:
    def __init__(self, app: Flask, workers: list[BusWorker], stop: threading.Event, *,
                 interval_s: float = INTERVAL_S) -> None:
        self.app = app
        self.workers = workers
        self.stop = stop
        self.interval_s = interval_s
        self.heartbeat_path = Path(app.instance_path) / LISTENER_HEARTBEAT_FILE
        self._written: dict[int, dict] = {}
        self.thread = threading.Thread(target=self.run, name="device-health", daemon=True)

    def run(self) -> None:
        with self.app.app_context():
            while not self.stop.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("device health not written")
                    db.session.rollback()
                self.stop.wait(self.interval_s)

    def rows(self) -> dict[int, dict]:
        out = {}
        for worker in tuple(self.workers):  # the list changes when devices are reloaded
            port_up, health = worker.health_snapshot()
            for device in worker.bus.devices:
                out[device.device_id] = health_row(port_up, health.get(device.address))
        return out

    def tick(self) -> None:
        changed = {i: row for i, row in self.rows().items()
                   if needs_writing(row, self._written.get(i))}
        if changed:
            with write_transaction(db.session()):
                for device_id, row in changed.items():
                    db.session.execute(sa.update(Device).where(Device.id == device_id).values(**row))
                db.session.commit()
            self._written.update(changed)
        now = time.monotonic()
        workers = tuple(self.workers)
        if all(now - w.last_loop < STALLED_AFTER_S for w in workers):
            write_heartbeat(self.heartbeat_path, list(workers))
