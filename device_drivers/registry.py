"""Protocol name -> driver factory.

Every driver offers the same interface (see Driver). A new vendor protocol is
one module that calls register("name", Factory.open) at import time, plus one
line in BUILTIN so it is imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Protocol

from .events import DeviceEvent, DeviceHealth


class Driver(Protocol):
    protocol: str
    delivery: str  # "exactly-once" | "at-most-once"

    def poll_cycle(self, on_event: Callable[[DeviceEvent], None] | None = None) -> list[DeviceEvent]: ...
    def ack(self, event: DeviceEvent) -> None: ...
    def set_state(self, address: int, state: int, timeout_s: int = 0) -> None: ...
    def set_text(self, address: int, line: int, text: str) -> None: ...
    def health(self) -> list[DeviceHealth]: ...
    def close(self) -> None: ...


DriverFactory = Callable[..., Driver]  # (port_url, baud, addresses, **options) -> Driver

# Modules that register a protocol when imported.
BUILTIN = {
    "evp": "device_drivers.evp_bus",
    "kp-ascii": "device_drivers.keypad",
    "slz68": "device_drivers.slz68",
}

_factories: dict[str, DriverFactory] = {}


def register(name: str, factory: DriverFactory) -> None:
    _factories[name] = factory


def protocols() -> list[str]:
    return sorted(set(_factories) | set(BUILTIN))


def get_factory(name: str) -> DriverFactory:
    if name not in _factories and name in BUILTIN:
        importlib.import_module(BUILTIN[name])
    try:
        return _factories[name]
    except KeyError:
        raise ValueError(f"unknown device protocol {name!r}; known: {protocols()}") from None


def open_driver(protocol: str, port_url: str, baud: int = 9600,
                addresses: Iterable[int] = (1,), **options) -> Driver:
    """Open a port and return its driver; raises PortLost if the port cannot be opened."""
    return get_factory(protocol)(port_url, baud, list(addresses), **options)
