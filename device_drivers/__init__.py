"""Device drivers of the hall terminal: no Flask here.

Layers: crc/evp (pure codec) -> evp_bus / keypad (drivers over a pyserial port)
-> registry (protocol name -> driver). simulator/ fakes the hardware behind a pty
or a pyserial URL (evpsim://, kpsim://).
"""

from .errors import (
    CrcError,
    DeviceTimeout,
    DriverError,
    FrameError,
    NakError,
    PortLost,
)
from .events import DELIVERY_AT_MOST_ONCE, DELIVERY_EXACTLY_ONCE, DeviceEvent, DeviceHealth

__all__ = [
    "CrcError", "DeviceTimeout", "DriverError", "FrameError", "NakError",
    "PortLost", "DELIVERY_AT_MOST_ONCE", "DELIVERY_EXACTLY_ONCE", "DeviceEvent", "DeviceHealth",
]
