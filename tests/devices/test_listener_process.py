"""`flask devices listen` as a real process against the simulator CLI (pty + control socket):
killed between commit and ACK, or killed while idle, nothing is lost and nothing doubles."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from device_drivers import evp
from device_drivers.simulator.control import send_command
from kiosk.devices.bus_worker import CRASH_AFTER_COMMIT_ENV, CRASH_EXIT_CODE
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import Device, Rating
from kiosk.ops.probes import LISTENER_HEARTBEAT_FILE

from .conftest import wait_for

pytestmark = pytest.mark.timeout(180)
# A fresh `flask devices listen` imports the whole app: on a loaded machine that alone can
# take 20 s, so waits that include a process start allow this long.
STARTUP_S = 45
ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]


@pytest.fixture
def bench(app, tmp_path):
    """Simulator process with one evaluator at A01; start(**env) runs a listener process."""
    link, sock = tmp_path / "evaluators.tty", tmp_path / "evaluators.sock"
    sim = subprocess.Popen(
        [sys.executable, "-m", "device_drivers.simulator", "serve", "--pty-link", str(link),
         "--devices", "1", "--control", str(sock), "--fast"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(sock.exists, seconds=10)
    result = app.test_cli_runner().invoke(
        args=["devices", "add", "--window", "A01", "--port", str(link)])
    assert result.exit_code == 0, result.output
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(tmp_path)}
    env.pop(CRASH_AFTER_COMMIT_ENV, None)
    listeners = []

    def start(**extra):
        log = open(tmp_path / f"listener-{len(listeners)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([*FLASK, "devices", "listen"], cwd=ROOT, env={**env, **extra},
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child has its own copy
        listeners.append(proc)
        return proc

    def status():
        return send_command(str(sock), "status")["devices"]["1"]

    yield start, status, str(sock)
    for proc in listeners:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
    sim.send_signal(signal.SIGTERM)
    sim.wait(5)


def count_ratings(app, **where) -> int:
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Rating).filter_by(**where))
        db.session.commit()
        return n


def test_killed_between_commit_and_ack_no_loss_no_duplicate(app, bench, tmp_path):
    start, status, sock = bench
    first = start(**{CRASH_AFTER_COMMIT_ENV: "rated"})
    with app.app_context():
        create_invitation(window_code="A01", case_no="2026-KILL-0001", service_code="530102001000")
    assert wait_for(lambda: status()["state"] == evp.STATE_INVITE, seconds=STARTUP_S)
    send_command(sock, "press", device=1, key=2)

    assert first.wait(STARTUP_S) == CRASH_EXIT_CODE  # died right after the commit
    assert count_ratings(app, case_no="2026-KILL-0001") == 1
    assert status()["queued"] == 1  # never ACKed: the device still holds the event

    second = start()
    assert wait_for(lambda: status()["queued"] == 0, seconds=STARTUP_S)
    assert count_ratings(app, case_no="2026-KILL-0001") == 1
    assert count_ratings(app) == 1
    beat = tmp_path / LISTENER_HEARTBEAT_FILE
    assert wait_for(lambda: beat.exists() and
                    json.loads(beat.read_text())["ports"] and
                    next(iter(json.loads(beat.read_text())["ports"].values()))["outcomes"]
                    .get("duplicate") == 1, seconds=5)
    second.send_signal(signal.SIGTERM)
    assert second.wait(10) == 0
    with app.app_context():
        assert db.session.scalars(sa.select(Device)).one().online is False


def test_sigkilled_while_idle_presses_wait_in_the_device(app, bench):
    start, status, sock = bench
    first = start()
    assert wait_for(lambda: status()["queued"] == 0, seconds=STARTUP_S)  # power-on logged + acked
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    for key in (1, 2, 3):
        send_command(sock, "press", device=1, key=key)  # uninvited, the hall allows them
    assert status()["queued"] == 3
    start()
    assert wait_for(lambda: status()["queued"] == 0, seconds=STARTUP_S)
    assert count_ratings(app, uninvited=True) == 3
