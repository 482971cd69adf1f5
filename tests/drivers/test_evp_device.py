"""Simulated EVP/1 device model, driven with an explicit `now` (no sleeps)."""

import pytest

from device_drivers import evp
from device_drivers.evp import Frame
from device_drivers.simulator.evp_device import QUEUE_CAPACITY, EvpDevice

pytestmark = pytest.mark.timeout(10)


def powered(now=0.0, **kw):
    d = EvpDevice(3, **kw)
    d.power_on(now)
    d.flash.queue.clear()  # forget the power-on event
    return d


def test_invite_timeout_and_thanks_duration():
    d = powered()
    d.handle(Frame(3, 1, evp.CMD_SET_STATE, evp.build_set_state(evp.STATE_INVITE, 30)), 0.0)
    assert d.state(29.9) == evp.STATE_INVITE
    assert d.state(30.0) == evp.STATE_IDLE
    d.handle(Frame(3, 2, evp.CMD_SET_STATE, evp.build_set_state(evp.STATE_INVITE, 0)), 40.0)
    assert d.state(1000.0) == evp.STATE_INVITE  # 0 = no timeout
    d.press(2, 1000.0)
    assert d.state(1002.9) == evp.STATE_THANKS and d.state(1003.0) == evp.STATE_IDLE
    assert [(e.type, e.key) for e in d.queued()] == [(1, 2)]


def test_queue_full_drops_type2_first():
    d = powered()
    for _ in range(QUEUE_CAPACITY):
        assert d.press(1, 0.0)
    assert not d.press(1, 0.0)  # new type-2 press dropped
    assert d.cover(0.0)  # type 3 evicts the oldest type 2
    assert len(d.queued()) == QUEUE_CAPACITY and d.queued()[-1].type == evp.EVENT_COVER
    assert d.queued()[0].event_id == 3  # id 2 (oldest type 2) evicted; ids never reused


def test_replay_repeated_request_without_acting_twice():
    d = powered()
    d.press(1, 0.0)
    d.press(2, 0.0)
    first, second = (e.event_id for e in d.queued())
    ack = Frame(3, 9, evp.CMD_ACK, evp.build_ack(first))
    assert d.handle(ack, 0.1).cmd == evp.CMD_OK
    assert d.handle(ack, 0.2).cmd == evp.CMD_OK
    assert d.stats["replays"] == 1 and d.stats["acks"] == 1
    assert [e.event_id for e in d.queued()] == [second]


def test_naks_and_broadcast():
    d = powered()
    assert d.handle(Frame(3, 1, 0x42), 0).data == bytes((evp.NAK_UNKNOWN_CMD,))
    assert d.handle(Frame(3, 2, evp.CMD_ACK, b"\x01"), 0).data == bytes((evp.NAK_BAD_DATA,))
    assert d.handle(Frame(3, 3, evp.CMD_SET_STATE, b"\x09\x00"), 0).cmd == evp.CMD_NAK
    assert d.handle(Frame(0, 4, evp.CMD_SET_STATE, b"\x03\x00"), 0) is None
    assert d.state(0) == evp.STATE_PAUSED


def test_event_ids_survive_power_loss_and_are_never_reused():
    d = powered()
    d.press(1, 0.0)
    d.power_off()
    assert not d.press(1, 0.0)  # no power, no event
    d.power_on(1.0)
    assert [(e.event_id, e.type) for e in d.queued()] == [(2, evp.EVENT_UNINVITED_KEY), (3, evp.EVENT_POWER_ON)]
