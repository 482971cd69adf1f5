"""SLZ-68 driver over a real pty and over slzsim://: ack, repeats, callers, registry."""
import time

import pytest

from device_drivers import slz68_codec as codec
from device_drivers.events import EVENT_CALLER_KEY
from device_drivers.registry import open_driver, protocols
from device_drivers.simulator import PtyTransport, get_simulator, remove_simulator
from device_drivers.simulator.slz68_sim import Slz68SimBus
from device_drivers.slz68 import EVENT_PRESS, Slz68Driver

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def slz_sim(pty_link):
    sim = Slz68SimBus([0x01], [0x81], timing=False)
    transport = PtyTransport(sim, pty_link)
    transport.start()
    yield sim
    transport.close()


def collect(driver, seconds, ack=True):
    """Events handed up in `seconds`; each acknowledged at once (as after its commit)."""
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        for event in driver.poll_cycle():
            out.append(event)
            if ack:
                driver.ack(event)
    return out


def test_press_acked_once_and_mapped(slz_sim, pty_link):
    driver = Slz68Driver.open(pty_link, 9600, [0x01, 0x81])
    try:
        slz_sim.press(0x81, 0x03)  # 非常满意
        events = collect(driver, 0.8)
        assert [(e.type, e.key, e.address) for e in events] == [(EVENT_PRESS, 0x03, 0x81)]
        assert slz_sim.sent[0x81] == 1 and slz_sim.acked[0x81] == 1  # acked: no repeat
        assert events[0].raw == codec.press(0x81, 0x03)
    finally:
        driver.close()


def test_unacknowledged_repeats_are_one_press(slz_sim, pty_link):
    driver = Slz68Driver.open(pty_link, 9600, [0x01, 0x81])
    try:
        slz_sim.deaf(0x81)  # ignores our acks: repeats every 300 ms, 5 times
        slz_sim.press(0x81, 0x02)
        events = collect(driver, 1.9)
        assert slz_sim.sent[0x81] == 6
        assert [(e.type, e.key) for e in events] == [(EVENT_PRESS, 2)]
        assert driver.repeats_dropped == 5
        assert slz_sim.acked[0x81] == 6  # every repeat is acknowledged again
    finally:
        driver.close()


def test_no_ack_before_the_commit_and_an_unstored_press_comes_again(slz_sim, pty_link):
    driver = Slz68Driver.open(pty_link, 9600, [0x01, 0x81])
    try:
        slz_sim.press(0x81, 0x01)
        first = collect(driver, 0.2, ack=False)  # the commit failed: no acknowledgement
        assert len(first) == 1 and slz_sim.acked.get(0x81) is None
        again = collect(driver, 0.5)  # the device repeats: the same event is handed up
        assert [e.event_id for e in again] == [first[0].event_id]
        later = collect(driver, 0.8)
        assert later == [] and slz_sim.acked[0x81] == 1 and slz_sim.sent[0x81] == 2
    finally:
        driver.close()


def test_caller_key_and_foreign_frames(slz_sim, pty_link):
    driver = Slz68Driver.open(pty_link, 9600, [0x01, 0x81])
    try:
        slz_sim.inject_bytes(b"\x13\x37" + codec.press(0x90, 0x01))  # noise, unknown evaluator
        slz_sim.caller_key(0x01, codec.KEY_ASK_RATING)
        events = collect(driver, 0.5)
        assert [(e.type, e.key, e.address) for e in events] == [
            (EVENT_CALLER_KEY, codec.KEY_ASK_RATING, 0x01)]
        assert slz_sim.acked.get(0x01) == 1 and 0x90 not in slz_sim.acked
    finally:
        driver.close()


def test_registry_and_url_handler():
    assert "slz68" in protocols()
    driver = open_driver("slz68", "slzsim://t1?callers=2&evaluators=130&timing=0", 9600,
                         [0x02, 0x82])
    try:
        sim = get_simulator("slzsim", "t1")
        sim.press(0x82, 0x00)
        events = collect(driver, 0.3)
        assert [(e.key, e.device_serial) for e in events] == [(0, "SLZ68@slzsim://t1?callers=2"
                                                              "&evaluators=130&timing=0#82")]
    finally:
        driver.close()
        remove_simulator("slzsim", "t1")
