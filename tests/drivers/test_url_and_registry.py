"""evpsim:// URL handler with byte timing, registry, simulated unplug."""

import time

import pytest
import serial

from device_drivers import evp, registry, simulator
from device_drivers.errors import PortLost
from device_drivers.evp_bus import EvpBus

pytestmark = pytest.mark.timeout(20)


def test_serial_for_url_after_register():
    simulator.register()
    port = serial.serial_for_url("evpsim://raw?devices=4&timing=0", timeout=0.1)
    port.write(evp.encode(evp.Frame(4, 1, evp.CMD_IDENTIFY)))
    frames = evp.Decoder().feed(port.read(34))
    assert evp.parse_info(frames[0].data).serial == "EVPSIM-000000004"
    port.close()


def test_registry_opens_evp_and_lists_protocols():
    assert {"evp", "kp-ascii"} <= set(registry.protocols())
    driver = registry.open_driver("evp", "evpsim://reg?devices=1,2", 9600, [1, 2])
    try:
        assert isinstance(driver, EvpBus)
        assert len(driver.poll_cycle()) == 2
        with pytest.raises(ValueError):
            registry.get_factory("nope")
    finally:
        driver.close()


def test_byte_timing_in_url_mode():
    bus = registry.open_driver("evp", "evpsim://timed?devices=1", 9600, [1])
    bus.poll_cycle(on_event=bus.ack)
    t0 = time.perf_counter()
    for _ in range(5):
        bus.poll_cycle()
    per_exchange = (time.perf_counter() - t0) / 5
    line_min = evp.wire_time_s(8 + 9, 9600)
    assert line_min <= per_exchange < line_min + 0.01
    bus.close()


def test_url_unplug_gives_portlost():
    bus = registry.open_driver("evp", "evpsim://unplug?devices=1&timing=0", 9600, [1])
    line = simulator.get_simulator("evpsim", "unplug")
    simulator.unplug(line)
    with pytest.raises(PortLost):
        bus.poll_cycle()
    with pytest.raises(PortLost):
        registry.open_driver("evp", "evpsim://unplug", 9600, [1])
    simulator.replug(line)
    registry.open_driver("evp", "evpsim://unplug", 9600, [1]).close()
