"""Model of a KP-ASCII USB keypad: `K<n>` per press, `HELLO <serial> <keys>` after
power-on, host lines `L1`/`L0` light/darken the keys. Presses while unpowered or
while no host listens are simply lost — that is the protocol's nature.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .line import SimLine


class KeypadSim(SimLine):
    def __init__(self, serial: str = "KP0001", keys: int = 5, *, baud: int = 9600,
                 timing: bool = True, clock: Callable[[], float] = time.monotonic,
                 power_on: bool = True) -> None:
        super().__init__(baud=baud, timing=timing, clock=clock)
        self.serial = serial
        self.keys = keys
        self.lit = False
        self.powered = False
        self.host_lines: list[str] = []
        self._rx = bytearray()
        if power_on:
            self.power_on()

    def host_write(self, data: bytes, now: float) -> None:
        with self.lock:
            self.receive_time(len(data), now)
            self._rx += data
            while b"\n" in self._rx:
                raw, _, rest = bytes(self._rx).partition(b"\n")
                self._rx = bytearray(rest)
                line = raw.strip().decode("ascii", "replace")
                self.host_lines.append(line)
                if line == "L1":
                    self.lit = True
                elif line == "L0":
                    self.lit = False

    def press(self, key: int) -> bool:
        with self.lock:
            if not self.powered or not 1 <= key <= self.keys:
                return False
            self.emit(f"K{key}\r\n".encode("ascii"), self.clock())
            return True

    def power_on(self) -> None:
        with self.lock:
            self.powered = True
            self.lit = False
            self.emit(f"HELLO {self.serial} {self.keys}\r\n".encode("ascii"), self.clock())

    def power_off(self) -> None:
        with self.lock:
            self.powered = False

    def power_cycle(self) -> None:
        self.power_off()
        self.power_on()

    def inject_bytes(self, data: bytes) -> None:
        self.emit(data, self.clock())

    def status(self) -> dict:
        return {"serial": self.serial, "keys": self.keys, "lit": self.lit,
                "powered": self.powered, "host_lines": self.host_lines[-10:]}
