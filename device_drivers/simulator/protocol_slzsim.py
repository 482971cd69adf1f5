"""pyserial URL handler `slzsim://NAME?callers=1&evaluators=129&timing=0` (SLZ-68 bus)."""

from __future__ import annotations

from .sim_serial import SimSerial


class Serial(SimSerial):
    scheme = "slzsim"
