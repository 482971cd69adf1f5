"""The simulated wire: byte timing and the outgoing byte schedule.

A SimLine turns "the device sends these bytes, starting no earlier than t" into
per-byte due times (1 byte = 10 bits / baud at 8N1) and tracks when the line is
free in each direction. Transports (pty, pyserial URL handler) only move the due
bytes; they never decide timing. With timing=False every byte is due at once
(fast mode for unit tests).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SimLine:
    def __init__(self, baud: int = 9600, timing: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.baud = baud
        self.timing = timing
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # notified when output is scheduled
        self._out: deque[tuple[float, int]] = deque()
        self._tx_free_at = 0.0
        self._rx_free_at = 0.0
        self._wakers: list[Callable[[], None]] = []
        self.plugged = True  # URL-mode port loss (simulator.unplug)

    @property
    def byte_time(self) -> float:
        return 10.0 / self.baud if self.timing else 0.0

    def add_waker(self, waker: Callable[[], None]) -> None:
        self._wakers.append(waker)

    def remove_waker(self, waker: Callable[[], None]) -> None:
        if waker in self._wakers:
            self._wakers.remove(waker)

    # -- host -> device
    def receive_time(self, n_bytes: int, now: float) -> float:
        """When the last of n host bytes written at *now* has crossed the wire."""
        with self.lock:
            start = max(now, self._rx_free_at)
            self._rx_free_at = start + n_bytes * self.byte_time
            return self._rx_free_at

    def host_write(self, data: bytes, now: float) -> None:
        """Bytes written by the host; subclasses react (answer, act)."""
        raise NotImplementedError

    # -- device -> host
    def emit(self, data: bytes, earliest: float) -> None:
        if not data:
            return
        with self.lock:
            bt = self.byte_time
            start = max(earliest, self._tx_free_at) if self.timing else earliest
            for i, byte in enumerate(data):
                self._out.append((start + (i + 1) * bt, byte))
            self._tx_free_at = start + len(data) * bt
            self.changed.notify_all()
        for waker in list(self._wakers):
            waker()

    def take_due(self, now: float) -> bytes:
        with self.lock:
            out = bytearray()
            while self._out and self._out[0][0] <= now:
                out.append(self._out.popleft()[1])
            return bytes(out)

    def next_due(self) -> float | None:
        with self.lock:
            return self._out[0][0] if self._out else None

    def discard_output(self) -> None:
        with self.lock:
            self._out.clear()
