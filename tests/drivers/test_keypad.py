"""KP-ASCII keypad driver over a real pty, and over kpsim://."""

import pytest

from device_drivers import evp
from device_drivers.errors import PortLost
from device_drivers.keypad import KeypadDriver
from device_drivers.registry import open_driver
from device_drivers.simulator import get_simulator

pytestmark = pytest.mark.timeout(20)


def collect(driver, n, tries=40):
    out = []
    for _ in range(tries):
        out += driver.poll_cycle()
        if len(out) >= n:
            break
    return out


def test_keypad_over_pty(keypad_sim, pty_link):
    driver = KeypadDriver.open(pty_link)
    try:
        assert driver.delivery == "at-most-once"
        keypad_sim.power_cycle()  # HELLO sent before the host opened the port was flushed: lost
        hello = collect(driver, 1)  # a HELLO from before open() may or may not survive the flush
        assert {(e.type, e.key, e.device_serial) for e in hello} == {(evp.EVENT_POWER_ON, 0, "KP-TEST-01")}
        collect(driver, 0, tries=2)
        keypad_sim.press(4)
        keypad_sim.press(2)
        presses = collect(driver, 2)
        assert [(e.type, e.key) for e in presses] == [(2, 4), (2, 2)]
        assert presses[0].event_id < presses[1].event_id
        driver.set_state(1, evp.STATE_INVITE, 30)
        collect(driver, 0, tries=2)
        assert keypad_sim.lit
        keypad_sim.press(1)
        invited = collect(driver, 1)
        assert [(e.type, e.key) for e in invited] == [(evp.EVENT_INVITED_KEY, 1)]
        collect(driver, 0, tries=2)
        assert not keypad_sim.lit  # keys dark after the first press
        health = driver.health()[0]
        assert (health.serial, health.keys, health.delivery) == ("KP-TEST-01", 5, "at-most-once")
    finally:
        driver.close()


def test_keypad_garbage_ignored_and_port_loss(keypad_sim, pty_link):
    driver = KeypadDriver.open(pty_link)
    try:
        collect(driver, 1)
        keypad_sim.inject_bytes(b"\x00\xffK9\r\nnoise\r\nK\r\n")
        keypad_sim.press(3)
        assert [(e.key) for e in collect(driver, 1)] == [3]
        keypad_sim.transport.unplug()
        with pytest.raises(PortLost):
            for _ in range(5):
                driver.poll_cycle()
    finally:
        driver.close()


def test_keypad_via_url_and_registry():
    driver = open_driver("kp-ascii", "kpsim://kp-reg?timing=0&serial=KPURL")
    try:
        assert collect(driver, 1)[0].device_serial == "KPURL"
        get_simulator("kpsim", "kp-reg").press(5)
        assert collect(driver, 1)[0].key == 5
        driver.ack(None)  # no-op: nothing to acknowledge
    finally:
        driver.close()
