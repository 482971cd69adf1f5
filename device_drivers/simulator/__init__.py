"""Simulators of the EVP/1 evaluator bus and the KP-ASCII keypad.

Two ways to reach one, both opened by the host with pyserial like real hardware:

* behind a real pty: PtyTransport(EvpSimBus(...), link_path).start() -> path
  (the CLI `python -m device_drivers.simulator serve` does this for demos);
* as a URL in this process: register(); serial.serial_for_url("evpsim://NAME?devices=1,2")
  then get_simulator("evpsim", "NAME").press(2, 1) from the test.
"""

from __future__ import annotations

import threading

import serial

from .evp_device import EvpDevice, EvpFlash
from .evp_sim import EvpSimBus
from .keypad_sim import KeypadSim
from .line import SimLine
from .pty_transport import PtyTransport

__all__ = [
    "EvpDevice", "EvpFlash", "EvpSimBus", "KeypadSim", "PtyTransport", "SimLine",
    "register", "get_simulator", "get_or_create", "add_simulator", "remove_simulator",
    "unplug", "replug",
]

_PACKAGE = __name__
_registry: dict[tuple[str, str], SimLine] = {}
_registry_lock = threading.Lock()


def register() -> None:
    """Make serial.serial_for_url() understand evpsim:// and kpsim://."""
    if _PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(_PACKAGE)


def _truthy(value: str) -> bool:
    return value.lower() not in ("0", "false", "no", "off", "")


def _parse_addresses(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(range(int(lo), int(hi) + 1))
        elif part:
            out.append(int(part))
    return out


def _create(scheme: str, options: dict[str, str]) -> SimLine:
    baud = int(options.get("baud", "9600"))
    timing = _truthy(options.get("timing", "1"))
    keys = int(options.get("keys", "5"))
    if scheme == "evpsim":
        return EvpSimBus(_parse_addresses(options.get("devices", "1")), keys=keys, baud=baud,
                         timing=timing, serial_prefix=options.get("serial_prefix", "EVPSIM-"))
    if scheme == "slzsim":
        from .slz68_sim import Slz68SimBus

        return Slz68SimBus(_parse_addresses(options.get("callers", "")),
                           _parse_addresses(options.get("evaluators", "")), baud=baud,
                           timing=timing)
    if scheme == "kpsim":
        return KeypadSim(options.get("serial", "KP0001"), keys, baud=baud, timing=timing)
    raise ValueError(f"unknown simulator scheme {scheme!r}")


def get_or_create(scheme: str, name: str, options: dict[str, str]) -> SimLine:
    with _registry_lock:
        line = _registry.get((scheme, name))
        if line is None:
            line = _registry[(scheme, name)] = _create(scheme, options)
        return line


def add_simulator(scheme: str, name: str, line: SimLine) -> None:
    """Register a simulator built in Python so `scheme://name` opens it."""
    with _registry_lock:
        _registry[(scheme, name)] = line


def get_simulator(scheme: str, name: str) -> SimLine:
    return _registry[(scheme, name)]


def remove_simulator(scheme: str, name: str) -> None:
    with _registry_lock:
        _registry.pop((scheme, name), None)


def unplug(line: SimLine) -> None:
    """URL-mode port loss: open ports fail on their next read/write, reopen fails."""
    line.plugged = False
    line.discard_output()
    with line.changed:
        line.changed.notify_all()


def replug(line: SimLine) -> None:
    line.plugged = True
