"""The device listener process (`flask --app wsgi devices listen`): one thread per bus, one
thread for the windows' states, one for health, one that picks up devices added, changed or
removed (CLI or admin) without a restart. Signal handlers only set a flag."""
from __future__ import annotations

import gc
import logging
import signal
import sys
import threading

from flask import Flask

from kiosk.devices.bus_worker import BusWorker
from kiosk.devices.config import BusConfig, load_buses
from kiosk.devices.health import HealthWriter
from kiosk.devices.window_states import POLL_INTERVAL_S, WindowStates
from kiosk.extensions import db
from kiosk.ratings.committer import commit_directly

log = logging.getLogger("kiosk.devices")


RELOAD_INTERVAL_S = 2.0  # how soon a device added in the admin or the CLI is driven


class Listener:
    def __init__(self, app: Flask, buses: list[BusConfig], *, state_interval_s: float = POLL_INTERVAL_S,
                 health_interval_s: float = 1.0, reload_interval_s: float = RELOAD_INTERVAL_S,
                 driver_options: dict | None = None) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.driver_options = driver_options
        self.reload_interval_s = reload_interval_s
        # One list, changed in place on reload: the states and health threads see it.
        self.workers = [self._worker(bus) for bus in buses]
        self.states = WindowStates(app, self.workers, self.stop_event, interval_s=state_interval_s)
        self.health = HealthWriter(app, self.workers, self.stop_event,
                                   interval_s=health_interval_s)
        self.reloader = threading.Thread(target=self._watch, name="device-config", daemon=True)

    def _worker(self, bus: BusConfig) -> BusWorker:
        return BusWorker(self.app, bus, threading.Event(), driver_options=self.driver_options)

    @classmethod
    def from_database(cls, app: Flask, **options) -> Listener:
        with app.app_context():
            return cls(app, load_buses(), **options)

    def start(self) -> Listener:
        for worker in self.workers:
            worker.thread.start()
        self.states.thread.start()
        self.health.thread.start()
        self.reloader.start()
        return self

    # ------------------------------------------------------------ live configuration
    def _watch(self) -> None:
        with self.app.app_context():
            while not self.stop_event.wait(self.reload_interval_s):
                try:
                    self.reload(load_buses())
                except Exception:  # a locked database: the next round tries again
                    log.exception("device configuration not reloaded")
                    db.session.rollback()

    def reload(self, buses: list[BusConfig]) -> bool:
        """Stops the buses whose devices changed or went away, starts the new ones; buses
        that did not change keep running untouched. True if anything changed."""
        wanted = set(buses)
        running = {w.bus: w for w in self.workers}
        gone = [w for bus, w in running.items() if bus not in wanted]
        new = [bus for bus in buses if bus not in running]
        if not gone and not new:
            return False
        for worker in gone:  # first let go of the port, then reopen it with the new devices
            worker.stop.set()
            worker.thread.join(5.0)
        started = [self._worker(bus) for bus in new]
        self.workers[:] = [w for w in self.workers if w not in gone] + started
        for worker in started:
            worker.thread.start()
        log.info("devices reloaded: %d bus(es) stopped, %d started (%s)", len(gone),
                 len(started), ", ".join(f"{b.port}: {b.addresses}" for b in new) or "-")
        return True

    def stop(self, timeout_s: float = 5.0) -> None:
        self.stop_event.set()
        if self.reloader.is_alive():
            self.reloader.join(timeout_s)
        for worker in self.workers:
            worker.stop.set()
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
        # This process records from its bus threads only: each press commits on its own
        # thread (no hand-off to a committer thread before the ACK) ...
        with self.app.app_context():
            commit_directly(self.app, db.engine)
        # ... and a bus thread woken by a byte on the port gets the interpreter back within
        # 0.5 ms instead of the default 5 ms slice of whichever thread holds it.
        sys.setswitchinterval(0.0005)
        # The app's ~100,000 objects from start-up live as long as the process: kept out of
        # the collector, whose full passes over them stopped every thread for 70-150 ms.
        gc.collect()
        gc.freeze()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stop_event.set())
        self.start()
        ports = ", ".join(f"{w.bus.port} ({w.bus.protocol}, {len(w.bus.devices)} devices)"
                          for w in self.workers) or "no devices configured"
        log.info("device listener running: %s", ports)
        while not self.stop_event.wait(1.0):
            pass  # the threads do the work; SIGTERM sets the flag
        log.info("device listener stopping")
        self.stop()
