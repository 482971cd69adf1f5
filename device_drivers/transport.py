"""Open a serial port by URL the same way for hardware, ptys and simulators."""

from __future__ import annotations

import serial

from .errors import PortLost

SIMULATOR_SCHEMES = ("evpsim://", "kpsim://", "slzsim://")


def open_port(url: str, baud: int = 9600, timeout: float = 0.01) -> serial.SerialBase:
    """serial.serial_for_url with 8N1; simulator URLs are registered on demand.

    A plain path (/dev/ttyUSB0, a pty symlink) opens the real device.
    """
    if url.startswith(SIMULATOR_SCHEMES):
        from . import simulator

        simulator.register()
    try:
        return serial.serial_for_url(url, baudrate=baud, bytesize=8, parity="N", stopbits=1,
                                     timeout=timeout, write_timeout=1.0, exclusive=None)
    except (serial.SerialException, OSError) as exc:
        raise PortLost(f"cannot open {url}: {exc}") from exc
