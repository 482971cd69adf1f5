"""One thread per serial port: poll, commit, ACK — and nothing slow.

The loop does framing (driver.poll_cycle), the commit (EventRecorder) and the ACK. Device
states are computed elsewhere (window_states.py) and only *sent* here, between poll
cycles, because the bus has one master. Health is copied out for health.py to write.
A lost port is reopened with backoff (0.5 s doubling to 10 s); its devices read offline
meanwhile.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask

from device_drivers import evp
from device_drivers.backoff import Backoff
from device_drivers.errors import DeviceTimeout, FrameError, NakError, PortLost
from device_drivers.events import DeviceEvent, DeviceHealth
from device_drivers.registry import open_driver
from kiosk.devices.config import BusConfig
from kiosk.devices.desired import DeviceState, needs_sending, thanks_for
from kiosk.devices.offers import OfferBook
from kiosk.devices.recorder import ALREADY_RATED, POWER_ON, RATED, EventRecorder

log = logging.getLogger("kiosk.devices")

# Test hook: die right after a commit, before the ACK (the crash the ACK contract is about).
# "1": after any event; an outcome name ("rated", "power_on", …): after that outcome only.
CRASH_AFTER_COMMIT_ENV = "KIOSK_TEST_CRASH_AFTER_COMMIT"
CRASH_EXIT_CODE = 86
STORE_RETRY_S = 1.0  # an event whose commit failed is tried again after this long
SEND_RETRY_S = 1.0  # a device that did not take a state is asked again after this long
IDLE_BUS_WAIT_S = 0.05  # a bus without devices must not spin


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class BusWorker:
    def __init__(self, app: Flask, bus: BusConfig, stop: threading.Event, *,
                 open_bus: Callable = open_driver, backoff: Backoff | None = None,
                 driver_options: dict | None = None) -> None:
        self.app = app
        self.bus = bus
        self.stop = stop
        self.open_bus = open_bus
        self.backoff = backoff or Backoff()
        self.driver_options = driver_options or {}
        self.by_address = {d.address: d for d in bus.devices}
        self.by_caller = {d.caller_address: d for d in bus.devices if d.caller_address}
        self.by_window = {d.window_id: d for d in bus.devices if d.window_id is not None}
        self.offers = OfferBook()
        self.recorder = EventRecorder(self.offers)
        self.crash_after_commit = os.environ.get(CRASH_AFTER_COMMIT_ENV)
        self._lock = threading.Lock()
        self._desired: dict[int, DeviceState] = {}  # written by the window-states thread
        self._desired_version = 0  # counts changes of _desired worth sending
        self._sent_version = 0  # bus thread only: the _desired_version last sent
        self._applied: dict[int, DeviceState] = {}  # bus thread only
        self._retry_at: dict[int, float] = {}
        self._stale: dict[int, DeviceState] = {}  # INVITEs found answered: wait for a new state
        self._answered: deque[int] = deque(maxlen=64)  # invitations rated through this bus
        self._failed_until: dict[tuple[str, int], float] = {}
        self._health: dict[int, DeviceHealth] = {}
        self._was_online: dict[int, bool] = {}
        self.port_up = False
        self.port_error: str | None = None
        self.last_loop = time.monotonic()
        self.outcomes: dict[str, int] = {}
        self.thread = threading.Thread(target=self.run, name=f"bus {bus.port}", daemon=True)

    # ------------------------------------------------------------ other threads
    def set_desired(self, address: int, state: DeviceState) -> None:
        with self._lock:
            if needs_sending(state, self._desired.get(address)):
                self._desired_version += 1  # the bus thread sends it after the current poll
            self._desired[address] = state

    def health_snapshot(self) -> tuple[bool, dict[int, DeviceHealth]]:
        with self._lock:
            return self.port_up, dict(self._health)

    # ------------------------------------------------------------ the loop
    def run(self) -> None:
        with self.app.app_context():
            while not self.stop.is_set():
                self.last_loop = time.monotonic()
                driver = self._open()
                if driver is None:
                    self._wait(self.backoff.next_delay())
                    continue
                self.backoff.reset()
                try:
                    self._serve(driver)
                except PortLost as exc:
                    log.warning("port %s lost: %s; reopening with backoff", self.bus.port, exc)
                    self._port_down(str(exc))
                    self._wait(self.backoff.next_delay())
                finally:
                    driver.close()
            self._port_down("listener stopped")
            self.recorder.close()

    def _open(self):
        try:
            driver = self.open_bus(self.bus.protocol, self.bus.port, self.bus.baud,
                                   self.bus.addresses, **self.driver_options)
        except PortLost as exc:
            self._port_down(str(exc))
            return None
        log.info("port %s open (%s, devices %s)", self.bus.port, self.bus.protocol,
                 self.bus.addresses)
        with self._lock:
            self.port_up, self.port_error = True, None
        self._applied.clear()  # a device may have lost its state while we were away
        return driver

    def _serve(self, driver) -> None:
        while not self.stop.is_set():
            self.last_loop = time.monotonic()
            driver.poll_cycle(lambda event: self._on_event(driver, event),
                              between=lambda: self._send_new_states(driver))
            self.recorder.close_expired_offers(self.by_window)
            self._copy_health(driver)
            self._send_states(driver)
            if not self.by_address:
                self._wait(IDLE_BUS_WAIT_S)

    def _wait(self, seconds: float) -> None:
        # Wake at least once a second so last_loop (the heartbeat) stays fresh in backoff.
        end = time.monotonic() + seconds
        while not self.stop.is_set() and (left := end - time.monotonic()) > 0:
            self.stop.wait(min(left, 1.0))
            self.last_loop = time.monotonic()

    # ------------------------------------------------------------ press -> commit -> ACK
    def _on_event(self, driver, event: DeviceEvent) -> None:
        binding = self.by_address.get(event.address) or self.by_caller.get(event.address)
        if binding is None:
            return  # not configured: leave it queued in the device, unacknowledged
        key = event.dedup_key
        if self._failed_until.get(key, 0) > time.monotonic():
            return  # failed a moment ago: do not hammer the database on every poll
        keys = self._health.get(event.address).keys if event.address in self._health else None
        try:
            recorded = self.recorder.record(binding, event, keys)
        except Exception:  # database trouble: no ACK, the device sends the event again
            if key not in self._failed_until:
                log.exception("event %s:%s not stored; it stays queued in the device",
                              event.device_serial, event.event_id)
            self._failed_until[key] = time.monotonic() + STORE_RETRY_S
            return
        self._failed_until.pop(key, None)
        outcome = recorded.outcome
        if self.crash_after_commit in ("1", outcome):
            os._exit(CRASH_EXIT_CODE)
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        try:
            driver.ack(event)
        except (DeviceTimeout, NakError, FrameError) as exc:
            log.info("ACK of %s:%s not confirmed (%s); dedup covers the re-send",
                     event.device_serial, event.event_id, exc)
        if outcome == POWER_ON:
            self._applied.pop(event.address, None)  # the device woke up in IDLE
        if recorded.invitation_id is not None and outcome in (RATED, ALREADY_RATED):
            self._answered.append(recorded.invitation_id)
            applied = self._applied.get(event.address)
            if applied is not None and applied.invitation_id == recorded.invitation_id:
                # The press came before the device lit up for this case: darken it now
                # rather than at the next state round.
                self._applied.pop(event.address, None)

    # ------------------------------------------------------------ health and states
    def _copy_health(self, driver) -> None:
        health = {h.address: h for h in driver.health()}
        for address, h in health.items():
            if h.online and not self._was_online.get(address, False):
                self._applied.pop(address, None)  # back online: tell it its state again
            self._was_online[address] = h.online
        with self._lock:
            self._health = health

    def _send_new_states(self, driver) -> None:
        """Between two devices' polls: a state that changed goes out now, not after the
        cycle (an INVITE lights the keys sooner); everything else waits for the cycle end."""
        if self._desired_version != self._sent_version:
            self._send_states(driver)

    def _send_states(self, driver) -> None:
        with self._lock:
            desired = dict(self._desired)
            self._sent_version = self._desired_version
        now = time.monotonic()
        for address, wanted in desired.items():
            health = self._health.get(address)
            if health is None or not health.online or self._retry_at.get(address, 0) > now:
                continue
            if wanted.state == evp.STATE_INVITE and wanted.invitation_id in self._answered:
                wanted = thanks_for(wanted)  # computed before this bus stored the press
            applied = self._applied.get(address)
            if not needs_sending(wanted, applied) or self._stale.get(address) is wanted:
                continue
            if wanted.state == evp.STATE_INVITE and not self.recorder.still_offered(
                    wanted.invitation_id):
                # Computed before the touchscreen (or QR page) rated it: never light the
                # keys for a rated case; the next state comes within one round.
                self._stale[address] = wanted
                continue
            try:
                self._send_state(driver, address, wanted, applied)
            except (DeviceTimeout, NakError, FrameError) as exc:
                log.info("device %s on %s did not take %s: %s", address, self.bus.port,
                         wanted.name, exc)
                self._retry_at[address] = now + SEND_RETRY_S
                continue
            self._applied[address] = wanted

    def _send_state(self, driver, address: int, wanted: DeviceState,
                    applied: DeviceState | None) -> None:
        binding = self.by_address[address]
        if wanted.state == evp.STATE_INVITE and binding.window_id is not None:
            # Noted before sending: a press can only follow the device receiving it.
            self.offers.invite_sent(binding.window_id, wanted.invitation_id, _utcnow())
        # The state first: the keys light up (and the voice prompt plays) two SET_TEXT
        # exchanges (~0.1 s at 9600 baud) sooner; the clerk's name follows.
        driver.set_state(address, wanted.state, wanted.timeout_s)
        for line, text in enumerate(wanted.lines):
            if applied is None or applied.lines[line] != text:
                driver.set_text(address, line, text)

    def _port_down(self, error: str) -> None:
        with self._lock:
            self.port_up, self.port_error = False, error
            for h in self._health.values():
                h.online = False
        self._was_online.clear()
