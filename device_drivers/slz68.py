"""SLZ-68 driver: callers (呼叫器) and four-key evaluators on one queue-system bus.

The devices speak when a key is pressed; the host acknowledges every frame at once (an
evaluator repeats an unacknowledged press every 300 ms, up to 5 times) and drops repeats:
an identical press from the same address within 2 s of the first is the same press.

Events handed up (DeviceEvent):
  evaluator press → type EVENT_PRESS, key = internal level (1 非常满意 … 4 不满意; the
                    device has four keys and 一般 counts as 基本满意)
  caller key      → type EVENT_CALLER_KEY, key = the caller key code (0x0B = 请评价)
Whether a press rates an invitation is the hall's decision (kiosk/devices), not the bus's.

DELIVERY: AT MOST ONCE. No event ids and no queue: a press made while the host is away for
longer than the device's repeats (1.5 s) is lost. Event ids are synthesised locally.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable

import serial

from . import slz68_codec as codec
from .errors import PortLost
from .events import (
    DELIVERY_AT_MOST_ONCE,
    EVENT_CALLER_KEY,
    DeviceEvent,
    DeviceHealth,
    utc_from_timestamp,
)
from .transport import open_port

READ_TIMEOUT_S = 0.05
EVENT_PRESS = 2  # same number as EVP/1's "key pressed while not invited": the host decides
PROTOCOL = "slz68"


class Slz68Driver:
    protocol = PROTOCOL
    delivery = DELIVERY_AT_MOST_ONCE

    def __init__(self, port, addresses: Iterable[int] = (), *, port_url: str = "",
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.port_url = port_url
        self.clock = clock
        self.monotonic = monotonic
        self.decoder = codec.Decoder()
        self.repeats = codec.RepeatFilter()
        self.repeats_dropped = 0
        self.ignored_frames = 0
        self._last_id = 0
        self._last_event: dict[int, DeviceEvent] = {}  # address -> its latest press
        self._acked: dict[int, int] = {}  # address -> event id of its last acknowledged press
        # Configured addresses (callers and evaluators); frames from others are ignored.
        self.addresses = set(addresses)
        self._health = {a: DeviceHealth(protocol=PROTOCOL, address=a, delivery=self.delivery,
                                        keys=codec.DEVICE_KEYS if codec.is_evaluator(a) else None)
                        for a in self.addresses}
        if getattr(port, "timeout", READ_TIMEOUT_S) != READ_TIMEOUT_S:
            port.timeout = READ_TIMEOUT_S

    @classmethod
    def open(cls, port_url: str, baud: int = 9600, addresses: Iterable[int] = (),
             **options) -> Slz68Driver:
        return cls(open_port(port_url, baud, READ_TIMEOUT_S), addresses, port_url=port_url,
                   **options)

    def device_serial(self, address: int) -> str:
        return f"SLZ68@{self.port_url or 'port'}#{address:02X}"

    # ------------------------------------------------------------ driver interface
    def poll_cycle(self, on_event: Callable[[DeviceEvent], None] | None = None,
                   between: Callable[[], None] | None = None) -> list[DeviceEvent]:
        """What the bus carried since the last read; between is not needed: one short read
        is the whole cycle."""
        try:
            chunk = self.port.read(max(1, self.port.in_waiting))
            if chunk and self.port.in_waiting:
                chunk += self.port.read(self.port.in_waiting)
        except (serial.SerialException, OSError) as exc:
            raise PortLost(f"SLZ-68 port {self.port_url}: {exc}") from exc
        events = []
        for frame in self.decoder.feed(chunk) if chunk else []:
            event = self._handle(frame)
            if event is not None:
                events.append(event)
                if on_event is not None:
                    on_event(event)
        return events

    def ack(self, event: DeviceEvent) -> None:
        """Acknowledges a press (or a caller key) whose outcome is committed."""
        self._acked[event.address] = event.event_id
        self._write(self._ack_frame(event.address))

    def set_state(self, address: int, state: int, timeout_s: int = 0) -> None:
        """The evaluator has no state command on this bus; the invitation lives in the host."""

    def set_text(self, address: int, line: int, text: str) -> None:
        """The window LED screen's frames are not documented; accepted and ignored."""

    def health(self) -> list[DeviceHealth]:
        return [DeviceHealth(**{f: getattr(h, f) for f in DeviceHealth.__slots__})
                for _, h in sorted(self._health.items())]

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self.port.close()

    # ------------------------------------------------------------ internals
    def _write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise PortLost(f"SLZ-68 port {self.port_url}: {exc}") from exc

    def _handle(self, frame: codec.Frame) -> DeviceEvent | None:
        address = frame.address
        if not frame.preamble or (self.addresses and address not in self.addresses):
            self.ignored_frames += 1  # our own echo, a host frame, or a foreign device
            return None
        evaluator = codec.is_evaluator(address)
        if evaluator and (frame.func != codec.FUNC_PRESS or frame.value not in codec.GRADE_NAMES):
            self.ignored_frames += 1
            return None
        if not evaluator and frame.value not in codec.CALLER_KEY_NAMES:
            self.ignored_frames += 1
            return None
        now = self.clock()
        health = self._health.setdefault(address, DeviceHealth(
            protocol=PROTOCOL, address=address, delivery=self.delivery))
        health.online, health.last_seen = True, utc_from_timestamp(now)
        if self.repeats.is_repeat(frame, self.monotonic()):
            self.repeats_dropped += 1
            earlier = self._last_event.get(address)
            if earlier is None:
                return None
            if self._acked.get(address) == earlier.event_id:
                self._write(self._ack_frame(address))  # our acknowledgement went unheard
                return None
            return earlier  # not stored yet (its commit failed): hand it up again
        self._last_id = max(self._last_id + 1, int(now * 1000))
        when = utc_from_timestamp(now)
        event = DeviceEvent(
            protocol=PROTOCOL, address=address, device_serial=self.device_serial(address),
            event_id=self._last_id,
            type=EVENT_PRESS if evaluator else EVENT_CALLER_KEY,
            key=frame.value,
            event_time=when, raw=frame.raw, received_at=when,
            received_monotonic=time.perf_counter())
        self._last_event[address] = event
        return event

    @staticmethod
    def _ack_frame(address: int) -> bytes:
        return codec.evaluator_ack(address) if codec.is_evaluator(address) else codec.caller_ack(address)


def _register() -> None:
    from .registry import register

    register(Slz68Driver.protocol, Slz68Driver.open)


_register()
