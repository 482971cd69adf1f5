"""Exception types of the driver layer.

I/O problems (the port went away) are kept apart from protocol problems (a device
did not answer, answered NAK, sent garbage) so the listener can react differently:
reopen the port with backoff on PortLost, just carry on polling on the others.
"""

from __future__ import annotations


class DriverError(Exception):
    """Base class of every error raised by device_drivers."""


class FrameError(DriverError):
    """A frame or payload is malformed (wrong length, bad field value)."""


class CrcError(FrameError):
    """The CRC of a frame does not match its contents."""


class NakError(DriverError):
    """The device answered NAK (0xFF) with an error code."""

    CODE_NAMES = {0x01: "bad CRC", 0x02: "unknown CMD", 0x03: "bad LEN/DATA", 0x04: "busy"}

    def __init__(self, code: int, address: int | None = None) -> None:
        self.code = code
        self.address = address
        name = self.CODE_NAMES.get(code, "unknown code")
        super().__init__(f"device {address} answered NAK 0x{code:02x} ({name})")


class DeviceTimeout(DriverError):
    """No valid answer within the host timeout, retries included (one 'miss')."""

    def __init__(self, address: int, cmd: int, attempts: int) -> None:
        self.address = address
        self.cmd = cmd
        self.attempts = attempts
        super().__init__(f"device {address}: no answer to CMD 0x{cmd:02x} after {attempts} attempts")


class PortLost(DriverError):
    """The serial port raised an I/O error (unplugged adapter, closed pty).

    The driver object is unusable afterwards: close it and open a new one
    (with backoff, see device_drivers.backoff).
    """
