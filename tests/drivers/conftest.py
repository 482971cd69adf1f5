"""Fixtures: simulators behind REAL ptys, opened by the drivers with pyserial."""

from __future__ import annotations

import pytest

from device_drivers.evp_bus import EvpBus
from device_drivers.simulator import EvpSimBus, KeypadSim, PtyTransport


@pytest.fixture
def pty_link(tmp_path):
    return str(tmp_path / "ttySIM0")


@pytest.fixture
def evp_sim(pty_link):
    """Three 5-key devices, fast mode (no byte timing), behind a pty."""
    sim = EvpSimBus([1, 2, 3], timing=False)
    transport = PtyTransport(sim, pty_link)
    transport.start()
    sim.transport = transport
    yield sim
    transport.close()


@pytest.fixture
def bus(evp_sim, pty_link):
    bus = EvpBus.open(pty_link, 9600, [1, 2, 3])
    yield bus
    bus.close()


@pytest.fixture
def drained_bus(bus):
    """Bus whose power-on events are acked, so every device starts with an empty queue."""
    for _ in range(2):
        bus.poll_cycle(on_event=bus.ack)
    return bus


@pytest.fixture
def keypad_sim(pty_link):
    sim = KeypadSim("KP-TEST-01", 5, timing=False)
    transport = PtyTransport(sim, pty_link)
    transport.start()
    sim.transport = transport
    yield sim
    transport.close()
