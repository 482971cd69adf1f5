"""KP-ASCII keypad driver (9600 8N1, CR LF lines).

device -> host: `K<n>` per key press, `HELLO <serial> <keys>` after power-on.
host -> device: `L1` lights the keys (invite), `L0` darkens them.

DELIVERY: AT MOST ONCE. The keypad has no event ids, no queue and no
acknowledgement: a press sent while the host is down, the port is closed or the
cable is out is lost for good, and nothing can tell us it happened. The driver
synthesises event ids locally (milliseconds since the epoch, strictly
increasing within the process, int64 — so ids from a previous run never
collide) only so the layer above can use the same (device_serial, event_id)
key as for EVP/1. `delivery` says "at-most-once"; show it on the health page.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable

import serial

from . import evp
from .errors import PortLost
from .events import DELIVERY_AT_MOST_ONCE, DeviceEvent, DeviceHealth, utc_from_timestamp
from .transport import open_port

READ_TIMEOUT_S = 0.05  # poll_cycle blocks at most this long when the keypad is quiet
MAX_LINE = 128  # longer "lines" are noise
_KEY = re.compile(rb"^K([1-5])$")
_HELLO = re.compile(rb"^HELLO (\S{1,32}) ([35])$")


class KeypadDriver:
    protocol = "kp-ascii"
    delivery = DELIVERY_AT_MOST_ONCE

    def __init__(self, port, address: int = 1, *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic, port_url: str = "") -> None:
        self.port = port
        self.address = address
        self.port_url = port_url
        self.clock = clock
        self.monotonic = monotonic
        self._buf = bytearray()
        self._last_id = 0
        self._invited = False
        self._invite_until: float | None = None
        self.ignored_lines = 0
        self._health = DeviceHealth(protocol=self.protocol, address=address, online=True,
                                    features=evp.FEATURE_LED, delivery=self.delivery)
        if getattr(port, "timeout", READ_TIMEOUT_S) != READ_TIMEOUT_S:
            port.timeout = READ_TIMEOUT_S

    @classmethod
    def open(cls, port_url: str, baud: int = 9600, addresses: Iterable[int] = (1,),
             **options) -> KeypadDriver:
        address = next(iter(addresses), 1)  # point to point: one keypad per port
        return cls(open_port(port_url, baud, READ_TIMEOUT_S), address, port_url=port_url, **options)

    @property
    def device_serial(self) -> str:
        return self._health.serial or f"KP-UNKNOWN@{self.port_url or 'port'}"

    # ------------------------------------------------------------ driver interface
    def poll_cycle(self, on_event: Callable[[DeviceEvent], None] | None = None,
                   between: Callable[[], None] | None = None) -> list[DeviceEvent]:
        """Read what the keypad sent (waits up to READ_TIMEOUT_S when it is quiet).
        between is not needed: one short read is the whole cycle."""
        self._expire_invite()
        try:
            chunk = self.port.read(max(1, self.port.in_waiting))
            if chunk and self.port.in_waiting:
                chunk += self.port.read(self.port.in_waiting)
        except (serial.SerialException, OSError) as exc:
            self._health.online = False
            raise PortLost(f"keypad port {self.port_url}: {exc}") from exc
        events: list[DeviceEvent] = []
        if not chunk:
            return events
        self._buf += chunk
        while b"\n" in self._buf:
            raw, _, rest = bytes(self._buf).partition(b"\n")
            self._buf = bytearray(rest)
            event = self._parse_line(raw.rstrip(b"\r"))
            if event is not None:
                events.append(event)
                if on_event is not None:
                    on_event(event)
        if len(self._buf) > MAX_LINE:
            self._buf.clear()
            self.ignored_lines += 1
        return events

    def ack(self, event: DeviceEvent) -> None:
        """Nothing to acknowledge: the keypad has no ACK (at-most-once)."""

    def set_state(self, address: int, state: int, timeout_s: int = 0) -> None:
        """INVITE lights the keys (L1); every other state darkens them (L0)."""
        if state == evp.STATE_INVITE:
            self._invited = True
            self._invite_until = self.monotonic() + timeout_s if timeout_s else None
            self._send("L1")
        else:
            self._invited = False
            self._invite_until = None
            self._send("L0")

    def set_text(self, address: int, line: int, text: str) -> None:
        """The keypad has no display; accepted and ignored."""

    def health(self) -> list[DeviceHealth]:
        h = self._health
        return [DeviceHealth(**{f: getattr(h, f) for f in DeviceHealth.__slots__})]

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self.port.close()

    # ------------------------------------------------------------ internals
    def _expire_invite(self) -> None:
        if self._invite_until is not None and self.monotonic() >= self._invite_until:
            self.set_state(self.address, evp.STATE_IDLE)

    def _send(self, line: str) -> None:
        try:
            self.port.write(f"{line}\r\n".encode("ascii"))
        except (serial.SerialException, OSError) as exc:
            self._health.online = False
            raise PortLost(f"keypad port {self.port_url}: {exc}") from exc

    def _next_id(self, now: float) -> int:
        self._last_id = max(self._last_id + 1, int(now * 1000))
        return self._last_id

    def _parse_line(self, raw: bytes) -> DeviceEvent | None:
        now = self.clock()
        health = self._health
        key_match = _KEY.match(raw)
        hello = None if key_match else _HELLO.match(raw)
        if key_match is None and hello is None:
            self.ignored_lines += raw != b""
            return None
        health.online = True
        health.last_seen = utc_from_timestamp(now)
        if hello is not None:
            health.serial = hello.group(1).decode("ascii")
            health.keys = int(hello.group(2))
            self._invited = False
            type_, key = evp.EVENT_POWER_ON, 0
        else:
            key = int(key_match.group(1))
            if health.keys is not None and key > health.keys:
                self.ignored_lines += 1
                return None
            if self._invited:
                # Like EVP/1: the first key during INVITE counts; the keys go dark at once.
                type_ = evp.EVENT_INVITED_KEY
                self.set_state(self.address, evp.STATE_THANKS)
            else:
                type_ = evp.EVENT_UNINVITED_KEY
        when = utc_from_timestamp(now)
        return DeviceEvent(protocol=self.protocol, address=self.address,
                           device_serial=self.device_serial, event_id=self._next_id(now),
                           type=type_, key=key, event_time=when, raw=raw, received_at=when,
                           received_monotonic=time.perf_counter())


def _register() -> None:
    from .registry import register

    register(KeypadDriver.protocol, KeypadDriver.open)


_register()
