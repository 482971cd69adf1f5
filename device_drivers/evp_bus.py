"""EVP/1 bus master: round-robin polling over a pyserial-like port.

Timing (datasheet): answer expected within 100 ms after the request has left
the wire; otherwise the SAME frame (same SEQ) is re-sent up to 2 times; then the
device counts one miss. 5 consecutive misses -> offline; offline (and never seen)
devices are probed with a single attempt at most once per second, so they cost
the others at most one 100 ms timeout per second.

The loop does framing only: events are handed out as soon as they are decoded
(on_event callback) so the caller can commit and ack() before the next device is
polled. Nothing is acked automatically.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable

import serial

from . import evp
from .errors import DeviceTimeout, FrameError, NakError, PortLost
from .events import DELIVERY_EXACTLY_ONCE, DeviceEvent, DeviceHealth, utc_from_timestamp
from .transport import open_port

EXPECTED_ANSWERS = {
    evp.CMD_POLL: (evp.CMD_NONE, evp.CMD_EVENT),
    evp.CMD_ACK: (evp.CMD_OK,),
    evp.CMD_SET_STATE: (evp.CMD_OK,),
    evp.CMD_SET_TEXT: (evp.CMD_OK,),
    evp.CMD_IDENTIFY: (evp.CMD_INFO,),
}
READ_TICK_S = 0.01  # port read timeout; bounds how far a wait can overshoot its deadline


class _Device:
    __slots__ = ("health", "seq", "last_attempt", "needs_identify")

    def __init__(self, address: int, seq: int) -> None:
        self.health = DeviceHealth(protocol="evp", address=address)
        self.seq = seq
        self.last_attempt: float | None = None
        self.needs_identify = True


class EvpBus:
    protocol = "evp"
    delivery = DELIVERY_EXACTLY_ONCE

    def __init__(self, port, addresses: Iterable[int], *,
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 answer_timeout_s: float = 0.1, retries: int = 2, offline_after: int = 5,
                 offline_poll_interval_s: float = 1.0, baud: int | None = None,
                 port_url: str = "", seq_seed: int | None = None) -> None:
        self.port = port
        self.port_url = port_url
        self.clock = clock  # wall clock for event times (injectable)
        self.monotonic = monotonic  # scheduling of offline probes (injectable)
        self.answer_timeout_s = answer_timeout_s
        self.retries = retries
        self.offline_after = offline_after
        self.offline_poll_interval_s = offline_poll_interval_s
        self.baud = baud or getattr(port, "baudrate", 9600) or 9600
        rng = random.Random(seq_seed)  # random start: a restarted host must not hit a replay
        self.addresses = [a for a in addresses]
        if not all(1 <= a <= 247 for a in self.addresses):
            raise ValueError("EVP/1 addresses are 1..247")
        self._devices = {a: _Device(a, rng.randrange(256)) for a in self.addresses}
        self._decoder = evp.Decoder()
        self._lock = threading.RLock()
        self.last_write_monotonic = 0.0  # perf_counter after the last write() returned
        self.stats = {"requests": 0, "retries": 0, "misses": 0, "ignored_frames": 0}
        if getattr(port, "timeout", READ_TICK_S) != READ_TICK_S:
            port.timeout = READ_TICK_S  # set once: pyserial reconfigures the tty on every set

    @classmethod
    def open(cls, port_url: str, baud: int = 9600, addresses: Iterable[int] = (1,),
             **options) -> EvpBus:
        return cls(open_port(port_url, baud, READ_TICK_S), addresses, baud=baud,
                   port_url=port_url, **options)

    # ------------------------------------------------------------ public API
    def poll_cycle(self, on_event: Callable[[DeviceEvent], None] | None = None,
                   between: Callable[[], None] | None = None) -> list[DeviceEvent]:
        """Poll every due device once, in address order.

        Online devices are always due; offline ones once per offline_poll_interval_s.
        on_event(event) is called right after each EVENT is decoded, before the next
        device is polled — commit and ack() there for the lowest latency. between() is
        called after each device's turn: the bus is free then for other commands (a cycle
        of 32 devices takes ~0.6 s at 9600 baud, too long for a new state to wait).
        """
        events: list[DeviceEvent] = []
        for address in self.addresses:
            event = self._poll_device(address)
            if event is not None:
                events.append(event)
                if on_event is not None:
                    on_event(event)
            if between is not None:
                between()
        return events

    def ack(self, event: DeviceEvent) -> None:
        """ACK(event_id) and wait for OK. Call only after the event is committed.

        Raises DeviceTimeout / NakError (the device will send the event again —
        dedup by (device_serial, event_id)) or PortLost.
        """
        self._transact(event.address, evp.CMD_ACK, evp.build_ack(event.event_id))

    def set_state(self, address: int, state: int, timeout_s: int = 0) -> None:
        """SET_STATE; address 0 broadcasts (no answer is awaited)."""
        self._command(address, evp.CMD_SET_STATE, evp.build_set_state(state, timeout_s))

    def set_text(self, address: int, line: int, text: str) -> None:
        self._command(address, evp.CMD_SET_TEXT, evp.build_set_text(line, text))

    def identify(self, address: int) -> evp.InfoData:
        answer = self._transact(address, evp.CMD_IDENTIFY, b"")
        info = evp.parse_info(answer.data)
        health = self._devices[address].health
        health.serial, health.firmware = info.serial, info.firmware
        health.keys, health.features = info.keys, info.features
        self._devices[address].needs_identify = False
        return info

    def health(self) -> list[DeviceHealth]:
        with self._lock:
            return [DeviceHealth(**{f: getattr(d.health, f) for f in DeviceHealth.__slots__})
                    for d in self._devices.values()]

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self.port.close()

    # ------------------------------------------------------------ polling
    def _poll_device(self, address: int) -> DeviceEvent | None:
        device = self._devices[address]
        health = device.health
        if not health.online:
            now = self.monotonic()
            if device.last_attempt is not None and now - device.last_attempt < self.offline_poll_interval_s:
                return None
            retries = 0  # a single probe: an absent device must not slow the bus
        else:
            retries = self.retries
        with self._lock:  # POLL, IDENTIFY and the receive stamps belong together
            try:
                answer = self._transact(address, evp.CMD_POLL, b"", retries=retries)
                received, received_mono = self._rx_wall, self._rx_monotonic
                if device.needs_identify:
                    self.identify(address)
            except (DeviceTimeout, NakError, FrameError):
                return None  # counted in health; an un-acked event will come again
        if answer.cmd == evp.CMD_NONE:
            health.state = evp.parse_none(answer.data) if len(answer.data) == 1 else None
            return None
        try:
            data = evp.parse_event(answer.data)
        except FrameError:
            return None
        return DeviceEvent(
            protocol=self.protocol, address=address, device_serial=health.serial or "",
            event_id=data.event_id, type=data.type, key=data.key,
            event_time=utc_from_timestamp(received - data.age_ms / 1000.0),
            raw=evp.encode(answer), received_at=utc_from_timestamp(received),
            age_ms=data.age_ms, received_monotonic=received_mono)

    def _command(self, address: int, cmd: int, data: bytes) -> None:
        if address == evp.BROADCAST:
            with self._lock:
                self._write(evp.encode(evp.Frame(0, self._next_broadcast_seq(), cmd, data)))
            return
        self._transact(address, cmd, data)

    _broadcast_seq = 0

    def _next_broadcast_seq(self) -> int:
        self._broadcast_seq = (self._broadcast_seq + 1) & 0xFF
        return self._broadcast_seq

    # ------------------------------------------------------------ one exchange
    def _transact(self, address: int, cmd: int, data: bytes, retries: int | None = None) -> evp.Frame:
        device = self._devices.get(address)
        if device is None:
            raise ValueError(f"address {address} is not on this bus")
        attempts = 1 + (self.retries if retries is None else retries)
        with self._lock:
            device.seq = (device.seq + 1) & 0xFF  # new request; retries reuse it
            raw = evp.encode(evp.Frame(address, device.seq, cmd, data))
            wire_s = evp.wire_time_s(len(raw), self.baud)
            device.last_attempt = self.monotonic()
            for attempt in range(attempts):
                if attempt:
                    self.stats["retries"] += 1
                self.stats["requests"] += 1
                self._write(raw)
                answer = self._await(address, device.seq, cmd,
                                     self.last_write_monotonic + wire_s + self.answer_timeout_s)
                if answer is not None:
                    self._mark_seen(device)
                    if answer.cmd == evp.CMD_NAK:
                        raise NakError(evp.parse_nak(answer.data), address)
                    return answer
            self._mark_missed(device)
            raise DeviceTimeout(address, cmd, attempts)

    def _await(self, address: int, seq: int, cmd: int, deadline: float) -> evp.Frame | None:
        expected = EXPECTED_ANSWERS.get(cmd, ()) + (evp.CMD_NAK,)
        decoder = self._decoder
        perf = time.perf_counter
        while perf() < deadline:
            chunk = self._read(decoder.bytes_needed())
            if not chunk:
                continue
            frames = decoder.feed(chunk)
            if not frames:
                continue
            t = perf()
            for frame in frames:
                if frame.addr == address and frame.seq == seq and frame.cmd in expected:
                    self._rx_monotonic = t
                    self._rx_wall = self.clock()
                    return frame
                self.stats["ignored_frames"] += 1  # late answer, other device, echo
        return None

    _rx_monotonic = 0.0
    _rx_wall = 0.0

    def _mark_seen(self, device: _Device) -> None:
        health = device.health
        if not health.online:
            health.online = True
            device.needs_identify = True  # first answer or back from offline: learn who it is
        health.consecutive_misses = 0
        health.last_seen = utc_from_timestamp(self.clock())

    def _mark_missed(self, device: _Device) -> None:
        health = device.health
        health.consecutive_misses += 1
        health.total_misses += 1
        self.stats["misses"] += 1
        if health.online and health.consecutive_misses >= self.offline_after:
            health.online = False

    # ------------------------------------------------------------ port I/O
    def _write(self, raw: bytes) -> None:
        try:
            self.port.write(raw)  # one write per frame: no gaps inside a frame on the wire
        except (serial.SerialException, OSError) as exc:
            raise PortLost(f"write failed on {self.port_url or self.port}: {exc}") from exc
        self.last_write_monotonic = time.perf_counter()

    def _read(self, size: int) -> bytes:
        try:
            return self.port.read(size)
        except (serial.SerialException, OSError) as exc:
            raise PortLost(f"read failed on {self.port_url or self.port}: {exc}") from exc


def _register() -> None:
    from .registry import register

    register(EvpBus.protocol, EvpBus.open)


_register()
