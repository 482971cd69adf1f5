"""The device listener process (`flask --app wsgi devices listen`): one thread per bus, one
thread for the windows' states, one for health. Signal handlers only set a flag."""
from __future__ import annotations

import logging
import signal
import threading

from flask import Flask

from kiosk.devices.bus_worker import BusWorker
from kiosk.devices.config import BusConfig, load_buses
from kiosk.devices.health import HealthWriter
from kiosk.devices.window_states import WindowStates
from kiosk.extensions import db

log = logging.getLogger("kiosk.devices")


class Listener:
    def __init__(self, app: Flask, buses: list[BusConfig], *, state_interval_s: float = 0.2,
                 health_interval_s: float = 1.0, driver_options: dict | None = None) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.workers = [BusWorker(app, bus, self.stop_event, driver_options=driver_options)
                        for bus in buses]
        self.states = WindowStates(app, self.workers, self.stop_event, interval_s=state_interval_s)
        self.health = HealthWriter(app, self.workers, self.stop_event,
                                   interval_s=health_interval_s)

    @classmethod
    def from_database(cls, app: Flask, **options) -> Listener:
        with app.app_context():
            return cls(app, load_buses(), **options)

    def start(self) -> Listener:
        for worker in self.workers:
            worker.thread.start()
        self.states.thread.start()
        self.health.thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self.stop_event.set()
        for thread in [w.thread for w in self.workers] + [self.states.thread, self.health.thread]:
            if thread.is_alive():
                thread.join(timeout_s)
        with self.app.app_context():
            try:
                self.health.tick()  # the last word: offline, nobody polls them now
            except Exception:
                log.exception("final device health not written")
            db.session.remove()

    def run_forever(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stop_event.set())
        self.start()
        ports = ", ".join(f"{w.bus.port} ({w.bus.protocol}, {len(w.bus.devices)} devices)"
                          for w in self.workers) or "no devices configured"
        log.info("device listener running: %s", ports)
        while not self.stop_event.wait(1.0):
            pass
        log.info("device listener stopping")
        self.stop()
