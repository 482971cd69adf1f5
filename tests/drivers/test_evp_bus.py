"""Bus master against the simulator over a real pty (fast mode: no byte timing)."""

from __future__ import annotations

import contextlib
import statistics
import time

import pytest

from device_drivers import evp
from device_drivers.errors import DeviceTimeout, PortLost
from device_drivers.evp_bus import EvpBus

pytestmark = pytest.mark.timeout(30)


def events_of(bus, cycles=1):
    out = []
    for _ in range(cycles):
        out += bus.poll_cycle()
    return out


def test_first_cycle_identifies_and_reports_power_on(bus):
    events = bus.poll_cycle()
    assert [(e.address, e.type, e.key) for e in events] == [(a, evp.EVENT_POWER_ON, 0) for a in (1, 2, 3)]
    health = {h.address: h for h in bus.health()}
    assert health[2].online and health[2].serial == "EVPSIM-000000002"
    assert (health[2].keys, health[2].features, health[2].firmware) == (5, 0x0F, "SIM-1.0")
    assert events[1].device_serial == "EVPSIM-000000002"
    assert bus.delivery == "exactly-once"


def test_event_is_repeated_until_acked_then_next_then_none(drained_bus, evp_sim):
    bus = drained_bus
    evp_sim.press(2, 1)
    evp_sim.press(2, 4)
    first = events_of(bus)
    assert [(e.address, e.type, e.key) for e in first] == [(2, evp.EVENT_UNINVITED_KEY, 1)]
    again = events_of(bus)  # not acked: the same event comes again
    assert [e.event_id for e in again] == [first[0].event_id]
    bus.ack(first[0])
    second = events_of(bus)
    assert second[0].key == 4 and second[0].event_id == first[0].event_id + 1
    bus.ack(second[0])
    assert events_of(bus) == []
    assert {h.address: h.state for h in bus.health()}[2] == evp.STATE_IDLE


def test_event_time_uses_injected_clock(evp_sim, pty_link):
    bus = EvpBus.open(pty_link, 9600, [1], clock=lambda: 1_000_000.0)
    try:
        event = bus.poll_cycle()[0]
        assert event.received_at.timestamp() == 1_000_000.0
        assert event.event_time.timestamp() == pytest.approx(1_000_000.0 - event.age_ms / 1000)
    finally:
        bus.close()


def test_retry_reuses_seq_and_device_does_not_act_twice(drained_bus, evp_sim):
    bus = drained_bus
    evp_sim.press(1, 3)
    evp_sim.press(1, 5)
    event = events_of(bus)[0]
    evp_sim.keep_log = True
    evp_sim.drop_answers(1, 1)  # the device acts on ACK, but its OK is lost once
    bus.ack(event)
    acks = [f for _, d, f in evp_sim.log if d == "rx" and f.cmd == evp.CMD_ACK]
    assert len(acks) == 2 and acks[0] == acks[1]  # same SEQ, same frame
    assert evp_sim.device(1).stats["replays"] == 1
    assert bus.stats["retries"] == 1
    nxt = events_of(bus)[0]
    assert nxt.key == 5 and nxt.event_id == event.event_id + 1  # nothing skipped


def test_lost_ack_request_means_same_event_again(drained_bus, evp_sim):
    bus = drained_bus
    evp_sim.press(3, 2)
    event = events_of(bus)[0]
    evp_sim.drop_requests(3, 3)  # all three ACK attempts lost on the line
    with pytest.raises(DeviceTimeout):
        bus.ack(event)
    again = events_of(bus)[0]
    assert again.dedup_key == event.dedup_key  # the layer above dedups by this key
    bus.ack(again)
    assert events_of(bus) == []


def test_foreign_frames_and_noise_are_ignored(drained_bus, evp_sim):
    bus = drained_bus
    seq = bus._devices[2].seq + 1  # the SEQ of the next request to device 2
    foreign = evp.encode(evp.Frame(3, seq, evp.CMD_EVENT, evp.build_event(9, 2, 1, 0)))
    stale = evp.encode(evp.Frame(2, (seq - 1) & 0xFF, evp.CMD_EVENT, evp.build_event(9, 2, 1, 0)))
    evp_sim.inject_bytes(b"\x02\x02\x00\x3f" + foreign + b"\xff\x03" + stale)
    assert bus._poll_device(2) is None  # answered NONE; nothing foreign taken as ours
    assert bus.stats["ignored_frames"] >= 2


def test_noisy_line_delivers_every_press_once(drained_bus, evp_sim):
    bus = drained_bus
    evp_sim.set_noise(probability=0.3, max_bytes=6, corrupt_probability=0.1, seed=7)
    for i in range(30):
        evp_sim.press(1 + i % 3, 1 + i % 5)
    stored = {}
    for _ in range(60):
        for event in bus.poll_cycle():
            stored.setdefault(event.dedup_key, event)
            with contextlib.suppress(DeviceTimeout):  # comes again; dedup above
                bus.ack(event)
        if all(not d.flash.queue for d in evp_sim.devices.values()):
            break
    assert len(stored) == 30
    assert bus.stats["retries"] > 0


def test_dropped_device_goes_offline_after_five_misses(drained_bus, evp_sim):
    bus = drained_bus
    evp_sim.drop_answers(2, -1)
    for i in range(5):
        assert {h.address: h.online for h in bus.health()}[2], i
        bus.poll_cycle()
    h2 = {h.address: h for h in bus.health()}[2]
    assert not h2.online and h2.consecutive_misses == 5 and h2.total_misses == 5
    assert bus.stats["retries"] >= 10  # 2 retries per miss while online


def test_offline_device_probed_once_per_second_with_injected_clock(evp_sim, pty_link):
    now = [100.0]
    bus = EvpBus.open(pty_link, 9600, [1, 2, 3], monotonic=lambda: now[0])
    try:
        bus.poll_cycle(on_event=bus.ack)
        evp_sim.drop_answers(2, -1)
        for _ in range(5):
            bus.poll_cycle()
        assert not {h.address: h.online for h in bus.health()}[2]
        requests = evp_sim.device(2).stats["requests"]
        for _ in range(5):
            bus.poll_cycle()  # clock does not move: device 2 is not due
        assert evp_sim.device(2).stats["requests"] == requests
        now[0] += 1.0
        bus.poll_cycle()
        assert evp_sim.device(2).stats["requests"] == requests + 1  # one probe, no retries
        evp_sim.clear_faults()
        evp_sim.press(2, 5)
        now[0] += 1.0
        events = bus.poll_cycle()
        assert [(e.address, e.key) for e in events] == [(2, 5)]
        assert {h.address: h.online for h in bus.health()}[2]
    finally:
        bus.close()


def _median_cycle_ms(bus, seconds):
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        bus.poll_cycle()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(times)


def test_offline_device_does_not_slow_the_others(drained_bus, evp_sim):
    bus = drained_bus
    baseline_ms, _ = _median_cycle_ms(bus, 0.3)
    evp_sim.drop_answers(2, -1)
    while {h.address: h.online for h in bus.health()}[2]:
        bus.poll_cycle()
    requests = evp_sim.device(2).stats["requests"]
    offline_ms, cycles = _median_cycle_ms(bus, 1.2)
    probes = evp_sim.device(2).stats["requests"] - requests
    assert probes <= 2  # at most once per second
    assert cycles > 50
    # An online-but-dead device would cost 300 ms per cycle; offline it costs nothing typical.
    assert offline_ms < baseline_ms + 5, (baseline_ms, offline_ms)


def test_slow_answer_within_timeout_ok_beyond_is_a_miss(drained_bus, evp_sim):
    bus = drained_bus
    evp_sim.set_slow(1, 0.05)
    bus.set_state(1, evp.STATE_PAUSED)
    assert bus.stats["retries"] == 0
    evp_sim.set_slow(1, 0.15)  # late answer to attempt 1 arrives during attempt 2: same SEQ, taken
    bus.set_state(1, evp.STATE_IDLE)
    assert bus.stats["retries"] == 1
    evp_sim.set_slow(1, 0.4)  # later than all three attempts: a miss
    with pytest.raises(DeviceTimeout):
        bus.set_state(1, evp.STATE_INVITE)
    assert {h.address: h.consecutive_misses for h in bus.health()}[1] == 1
    evp_sim.set_slow(1, 0.0)
    time.sleep(0.5)  # let the late answers arrive; they must be ignored, not taken as ours
    bus.set_state(1, evp.STATE_IDLE)
    assert evp_sim.device(1).state(evp_sim.clock()) == evp.STATE_IDLE


def test_power_loss_keeps_unacked_queue_and_counter(drained_bus, evp_sim):
    bus = drained_bus
    for key in (1, 2, 3):
        evp_sim.press(1, key)
    first = events_of(bus)[0]
    evp_sim.power_cycle(1)
    ids = []
    for _ in range(5):
        for event in bus.poll_cycle():
            ids.append((event.event_id, event.type, event.key))
            bus.ack(event)
    assert ids[0] == (first.event_id, 2, 1)
    assert ids == [(first.event_id + i, t, k) for i, (t, k) in
                   enumerate([(2, 1), (2, 2), (2, 3), (evp.EVENT_POWER_ON, 0)])]


def test_invite_then_first_key_is_type1_and_thanks(drained_bus, evp_sim):
    bus = drained_bus
    bus.set_state(3, evp.STATE_INVITE, 30)
    bus.set_text(3, 0, "张三 A03")
    assert evp_sim.device(3).text[0] == "张三 A03"
    evp_sim.press(3, 1)
    evp_sim.press(3, 2)
    got = []
    for _ in range(3):
        for event in bus.poll_cycle():
            got.append((event.type, event.key))
            bus.ack(event)
    assert got == [(evp.EVENT_INVITED_KEY, 1), (evp.EVENT_UNINVITED_KEY, 2)]
    assert {h.address: h.state for h in bus.health()}[3] == evp.STATE_THANKS


def test_broadcast_set_state_reaches_all_without_answer(drained_bus, evp_sim):
    drained_bus.set_state(0, evp.STATE_PAUSED)
    drained_bus.poll_cycle()
    assert all(h.state == evp.STATE_PAUSED for h in drained_bus.health())


def test_port_loss_raises_portlost_and_replug_works(drained_bus, evp_sim, pty_link):
    evp_sim.transport.unplug()
    with pytest.raises(PortLost):
        for _ in range(3):
            drained_bus.poll_cycle()
    drained_bus.close()
    with pytest.raises(PortLost):
        EvpBus.open(pty_link, 9600, [1, 2, 3])
    evp_sim.transport.replug()
    evp_sim.press(1, 2)
    bus = EvpBus.open(pty_link, 9600, [1, 2, 3])
    try:
        events = bus.poll_cycle()
        assert [(e.address, e.key) for e in events] == [(1, 2)]
    finally:
        bus.close()
