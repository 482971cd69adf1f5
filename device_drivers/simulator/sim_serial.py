"""In-process pyserial port backed by a SimLine (base of the URL handlers).

No threads: device answers are scheduled on the line when the host writes, so
read() just waits (on a Condition, not a spin) until the bytes are due.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from .line import SimLine


class SimSerial(SerialBase):
    scheme = ""

    def __init__(self, *args, **kwargs) -> None:
        self.line: SimLine | None = None
        self.sim_name = ""
        self._rx = bytearray()
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        from . import get_or_create  # late: avoid import cycle with the package

        parts = urlsplit(self._port)
        if parts.scheme != self.scheme:
            raise SerialException(f"expected {self.scheme}:// URL, got {self._port!r}")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        options.setdefault("baud", str(self._baudrate))
        self.sim_name = parts.netloc or parts.path.strip("/") or "default"
        self.line = get_or_create(self.scheme, self.sim_name, options)
        if not self.line.plugged:
            raise SerialException(f"{self._port}: no such device (unplugged)")
        self._rx.clear()
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
        self.line = None

    def _reconfigure_port(self, *args, **kwargs) -> None:
        pass  # nothing to configure; baud of the simulated line comes from the URL

    def _line(self) -> SimLine:
        if not self.is_open or self.line is None:
            raise PortNotOpenError()
        if not self.line.plugged:
            raise SerialException("device disconnected (simulated unplug)")
        return self.line

    @property
    def in_waiting(self) -> int:
        line = self._line()
        self._rx += line.take_due(line.clock())
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        line = self._line()
        timeout = self._timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        with line.changed:
            while True:
                self._rx += line.take_due(line.clock())
                if len(self._rx) >= size:
                    break
                self._line()  # raises if unplugged meanwhile
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    break
                next_due = line.next_due()
                if next_due is not None:
                    until_due = max(0.0, next_due - line.clock())
                    wait = until_due if wait is None else min(wait, until_due)
                line.changed.wait(wait if wait is None else max(wait, 0.0))
        out = bytes(self._rx[:size])
        del self._rx[:size]
        return out

    def write(self, data: bytes) -> int:
        line = self._line()
        data = bytes(data)
        line.host_write(data, line.clock())
        return len(data)

    def reset_input_buffer(self) -> None:
        line = self._line()
        line.take_due(line.clock())
        self._rx.clear()

    def reset_output_buffer(self) -> None:
        self._line()

    def flush(self) -> None:
        self._line()

    @property
    def out_waiting(self) -> int:
        return 0

    # pyserial calls these on open/close for modem lines; nothing to do.
    def _update_rts_state(self) -> None: ...
    def _update_dtr_state(self) -> None: ...
    def _update_break_state(self) -> None: ...
