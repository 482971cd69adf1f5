"""The simulator CLI: serve behind a pty with a control socket, press from another process."""

import json
import os
import subprocess
import sys

import pytest

from device_drivers.evp_bus import EvpBus
from device_drivers.simulator.pty_transport import wait_for_path

pytestmark = pytest.mark.timeout(30)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "device_drivers.simulator", *args],
                          capture_output=True, text=True, timeout=10, check=True)


def test_serve_press_unplug_replug(tmp_path):
    link, sock = str(tmp_path / "evp"), str(tmp_path / "ctl.sock")
    proc = subprocess.Popen([sys.executable, "-m", "device_drivers.simulator", "serve",
                             "--pty-link", link, "--devices", "1,2,3", "--keys", "3",
                             "--fast", "--control", sock], stdout=subprocess.PIPE, text=True)
    try:
        assert wait_for_path(sock) and os.path.islink(link)
        assert "simulator evp on" in proc.stdout.readline()
        bus = EvpBus.open(link, 9600, [1, 2, 3])
        bus.poll_cycle(on_event=bus.ack)
        run_cli("press", "--control", sock, "--device", "3", "--key", "2")
        events = bus.poll_cycle()
        assert [(e.address, e.key) for e in events] == [(3, 2)]
        assert {h.address: h.keys for h in bus.health()}[3] == 3
        run_cli("unplug", "--control", sock)
        assert not os.path.exists(link)
        bus.close()
        run_cli("replug", "--control", sock)
        bus = EvpBus.open(link, 9600, [1, 2, 3])
        assert [e.event_id for e in bus.poll_cycle()] == [events[0].event_id]  # still un-acked
        bus.close()
        status = json.loads(run_cli("status", "--control", sock).stdout)
        assert status["devices"]["3"]["queued"] == 1
    finally:
        proc.terminate()
        proc.wait(5)
