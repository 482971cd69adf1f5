"""pyserial URL handler `kpsim://NAME?serial=KP0001&keys=5&timing=0` (KP-ASCII keypad)."""

from __future__ import annotations

from .sim_serial import SimSerial


class Serial(SimSerial):
    scheme = "kpsim"
