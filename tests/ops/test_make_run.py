"""`make run` for real: it names the admin and explains the simulator's --key, and Ctrl-C
(SIGINT to the whole foreground process group, as a terminal sends it) stops every process
it started, quietly: no traceback on the screen or in the logs."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]  # about a minute: the whole demo starts


def _read_until(proc, marker: str, seconds: float) -> str:
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out.append(line)
        if marker in line:
            return "".join(out)
    pytest.fail(f"no {marker!r} from make run:\n{''.join(out)}")


def test_make_run_prints_its_addresses_and_stops_quietly_on_ctrl_c(tmp_path):
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(tmp_path)}
    # A demo hall already there: make run skips the minute of seeding past ratings.
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "demo"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    port, hub_port = free_port(), free_port()
    # -o: the virtualenv counts as installed (no pip on a shared venv from a test).
    proc = subprocess.Popen(
        ["make", "-s", "-o", ".venv/.installed", "run", f"PORT={port}", f"HUB_PORT={hub_port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    group = proc.pid
    try:
        shown = _read_until(proc, "Serving on", 200)
        for _ in range(60):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(1)
        assert httpx.get(f"http://127.0.0.1:{hub_port}/login", timeout=5).status_code == 200
        time.sleep(3)  # the simulated evaluators and their listener are starting too
        os.killpg(group, signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(group, signal.SIGKILL)
    assert f"http://127.0.0.1:{port}/admin/" in shown
    assert "--key is the key the citizen presses" in shown
    screen = shown + rest
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen, screen
    assert "Demo hall stopped." in rest, rest
    with pytest.raises(ProcessLookupError):  # nothing of the group is left running
        os.killpg(group, 0)
    for log in (tmp_path / "logs").glob("*.log"):
        assert "Traceback" not in log.read_text(errors="replace"), log.name
