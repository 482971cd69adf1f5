"""The daemon is killed with SIGKILL mid-batch (hub committed, hall not told) and restarted."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faultproxy import FaultProxy
from tests.hubkit import (
    configure_hall,
    hall_ids,
    hub_ids,
    hub_incidents,
    make_ratings,
    pending,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[2]


def flask_sync(instance: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(instance)}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "sync", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_sigkill_mid_batch_then_restart(app, hub_app, hub_url, hall_key):
    proxy = FaultProxy(int(hub_url.rsplit(":", 1)[1]))
    proxy.slow_seconds = 5.0  # every answer is held back: the kill lands inside a batch
    proxy.plan = ["slow"] * 1000
    try:
        configure_hall(app, proxy.url, hall_key, SYNC_BATCH_SIZE=10)
        (Path(app.instance_path) / "config.json").write_text(
            (Path(app.instance_path) / "config.json").read_text().replace(
                "{", '{"SYNC_BATCH_SIZE": 10, "SYNC_IN_FLIGHT": 2,', 1))
        make_ratings(app, 25)
        daemon = flask_sync(Path(app.instance_path), "run")
        deadline = time.time() + 20
        while not hub_ids(hub_app) and time.time() < deadline:
            time.sleep(0.05)
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(5)
        stored_before = -1
        while (now := len(hub_ids(hub_app))) != stored_before:  # a batch the hub still had
            stored_before = now
            time.sleep(1)
        # Committed upstream, not marked: the first batch, and the second of the two in
        # flight (SYNC_IN_FLIGHT=2) if the hub was as quick with it.
        assert stored_before in (10, 20) and pending(app) == 25
        proxy.plan = []
        again = flask_sync(Path(app.instance_path), "run", "--once")
        out, _ = again.communicate(timeout=30)
        assert again.returncode == 0, out.decode()
        assert f"{25 - stored_before} accepted, {stored_before} duplicate".encode() in out
    finally:
        proxy.close()
    assert hub_ids(hub_app) == hall_ids(app)
    assert pending(app) == 0
    assert hub_incidents(hub_app) == []


def test_sigterm_stops_the_daemon_cleanly(app, hub_app, hub_url, hall_key):
    configure_hall(app, hub_url, hall_key)
    make_ratings(app, 3)
    daemon = flask_sync(Path(app.instance_path), "run")
    deadline = time.time() + 20
    while len(hub_ids(hub_app)) < 3 and time.time() < deadline:
        time.sleep(0.05)
    daemon.send_signal(signal.SIGTERM)
    out, _ = daemon.communicate(timeout=10)
    assert daemon.returncode == 0 and b"stopped" in out
    assert hub_ids(hub_app) == hall_ids(app)
