"""The hall's processes on one SQLite file, for real: the web server (`python -m kiosk.serve`)
taking touch ratings over HTTP, the device listener (`flask devices listen`) driving emulated
evaluators behind a pty, and the sync daemon (`flask sync run`) feeding a PostgreSQL hub, all
writing at once while each is killed with SIGKILL at random moments and started again.

Afterwards every press an evaluator recorded is acknowledged and stored exactly once (a
rating or the device log row saying why not), every touch rating the web answered with 201 is
stored exactly once, no case is rated twice, and every rating reaches the hub exactly once.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from device_drivers.simulator import EvpSimBus, PtyTransport
from kiosk.devices.manage import DeviceSpec, add_device
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import DeviceLog, Rating
from tests.conftest import free_port
from tests.hubkit import (  # noqa: F401 - fixtures
    configure_hall,
    hall_ids,
    hall_key,
    hub_app,
    hub_ids,
    hub_incidents,
    hub_url,
    pending,
    pg_url,
)

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
WINDOWS = ("A01", "A02", "A03", "B01")  # five-level windows: keys 1..3 rate on every one
QUEUE_LIMIT = 48  # a citizen waits rather than fill a device's 64-event flash queue
SETTLE_S = 90  # restarts import the whole app: on a loaded machine that takes long


class Processes:
    """The hall's three services, each in a process group of its own (the web server's
    workers die with their master, as under systemd)."""

    def __init__(self, instance: Path, port: int) -> None:
        self.env = {**os.environ, "KIOSK_INSTANCE_PATH": str(instance)}
        self.logs = instance
        self.commands = {
            "web": [sys.executable, "-m", "kiosk.serve", "--port", str(port)],
            "listener": [*FLASK, "devices", "listen"],
            "sync": [*FLASK, "sync", "run"],
        }
        self.running: dict[str, subprocess.Popen] = {}
        self.starts: Counter[str] = Counter()
        self.kills: Counter[str] = Counter()

    def start(self, name: str) -> None:
        log = open(self.logs / f"{name}-{self.starts[name]}.log", "wb")  # noqa: SIM115
        self.running[name] = subprocess.Popen(
            self.commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()  # the child has its own copy
        self.starts[name] += 1

    def kill(self, name: str) -> None:
        proc = self.running[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        self.kills[name] += 1

    def ensure_running(self) -> None:
        for name in self.commands:
            if self.running.get(name) is None or self.running[name].poll() is not None:
                self.start(name)

    def stop(self) -> None:
        for proc in self.running.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for name, proc in self.running.items():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill(name)

    def tails(self) -> str:
        out = []
        for log in sorted(self.logs.glob("*-*.log")):
            lines = log.read_text(errors="replace").splitlines()
            out.append(f"--- {log.name}\n" + "\n".join(lines[-15:]))
        return "\n".join(out)


class Touchscreen:
    """Rates over HTTP as static/touch/touch.js does: CSRF token and cookie from the state."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.headers: dict[str, str] | None = None

    def _request(self, method: str, path: str, body: dict | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read(), resp.getheader("Set-Cookie")
        finally:
            conn.close()

    def rate(self, code: str, invitation_id: int, level: int) -> tuple[int, bytes]:
        """(status, body); raises OSError / HTTPException when the server died meanwhile."""
        if self.headers is None:
            status, body, cookie = self._request("GET", f"/touch/{code}/state")
            assert status == 200, body
            self.headers = {"Content-Type": "application/json",
                            "X-CSRFToken": json.loads(body)["csrf_token"],
                            "Cookie": cookie.split(";", 1)[0]}
        status, body, _ = self._request("POST", f"/touch/{code}/rate",
                                        {"level": level, "invitation_id": invitation_id},
                                        self.headers)
        return status, body


class Counters:
    """What the clients saw: the web's answers and the presses."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered: dict[int, str] = {}  # invitation id -> rating id (HTTP 201)
        self.refused: set[int] = set()  # HTTP 409: the evaluator rated the case first
        self.refusals: Counter[str] = Counter()  # the error code each refusal gave
        self.statuses: Counter[int] = Counter()
        self.unanswered = 0  # the connection broke: the server was killed meanwhile
        self.presses = 0
        self.invitations = 0


def citizen_flow(app, sim: EvpSimBus, screen: Touchscreen, counters: Counters,
                 stop: threading.Event, seed: int) -> None:
    """A window invites its citizen, who rates on the touchscreen, on the evaluator, or on
    both at once (one of them is refused); now and then someone presses uninvited."""
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        address = rng.randint(1, len(WINDOWS))
        code = WINDOWS[address - 1]
        with app.app_context():
            invitation_id = create_invitation(
                window_code=code, case_no=f"MP-{seed}-{n}",
                service_code="530102001000").invitation.id
            db.session.remove()
        n += 1
        with counters.lock:
            counters.invitations += 1
        stop.wait(rng.uniform(0.0, 0.3))  # the device lights up meanwhile (or not yet)
        if rng.random() < 0.5 and len(sim.device(address).queued()) < QUEUE_LIMIT and \
                sim.press(address, rng.randint(1, 3)):
            with counters.lock:
                counters.presses += 1
        if rng.random() < 0.7:
            try:
                status, body = screen.rate(code, invitation_id, rng.randint(1, 3))
            except (OSError, http.client.HTTPException):
                with counters.lock:
                    counters.unanswered += 1
                screen.headers = None
                stop.wait(0.2)  # the web server is being restarted
                continue
            with counters.lock:
                counters.statuses[status] += 1
                if status == 201:
                    counters.answered[invitation_id] = json.loads(body)["id"]
                elif status == 409:
                    counters.refused.add(invitation_id)
                    counters.refusals[json.loads(body)["error"]] += 1
        stop.wait(rng.uniform(0.02, 0.15))


def wait_until(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def stored_refs(app) -> Counter[str]:
    """Every device event's dedup key, as often as the hall stored it."""
    with app.app_context():
        refs = Counter(db.session.scalars(
            sa.select(Rating.source_ref).where(Rating.source_ref.is_not(None))))
        refs.update(db.session.scalars(
            sa.select(DeviceLog.source_ref).where(DeviceLog.source_ref.is_not(None))))
        db.session.remove()
        return refs


def run_hall(app, hub_app, hub_url, hall_key, tmp_path, *, chaos_s: float,  # noqa: F811
             kill_every_s: tuple[float, float], clients: int, seed: int) -> None:
    rng = random.Random(seed)
    configure_hall(app, hub_url, hall_key)
    sim = EvpSimBus(range(1, len(WINDOWS) + 1), baud=9600, timing=True)
    transport = PtyTransport(sim, str(tmp_path / "evaluators.tty"))
    link = transport.start()
    with app.app_context():
        for address, code in enumerate(WINDOWS, start=1):
            add_device(DeviceSpec(code, "evp", link, address), "test")
        db.session.commit()
        db.session.remove()
    port = free_port()
    procs = Processes(tmp_path, port)
    counters = Counters()
    stop = threading.Event()
    try:
        procs.ensure_running()
        screen = Touchscreen(port)
        assert wait_until(lambda: _up(screen), SETTLE_S), procs.tails()
        threads = [threading.Thread(target=citizen_flow, daemon=True,
                                    args=(app, sim, Touchscreen(port), counters, stop, seed + i))
                   for i in range(clients)]
        for t in threads:
            t.start()
        end = time.monotonic() + chaos_s
        victims: list[str] = []
        while time.monotonic() < end:
            time.sleep(rng.uniform(*kill_every_s))
            if not victims:  # each one in turn, in a random order each round
                victims = rng.sample(sorted(procs.commands), len(procs.commands))
            victim = victims.pop()
            procs.kill(victim)  # at a random moment of whatever it was doing
            procs.start(victim)
        stop.set()
        for t in threads:
            t.join(30)
        procs.ensure_running()

        # Every press reaches the hall (the devices keep them until ACKed) and the hub.
        def drained() -> bool:
            return all(not d.queued() for d in sim.devices.values())
        assert wait_until(drained, SETTLE_S), (sim.status(), procs.tails())
        assert wait_until(lambda: pending(app) == 0, SETTLE_S), procs.tails()
    finally:
        stop.set()
        procs.stop()
        transport.close()

    assert all(procs.starts[n] == procs.kills[n] + 1 for n in procs.commands), (
        procs.starts, procs.kills)
    assert set(counters.statuses) <= {201, 409}, (counters.statuses, procs.tails())
    assert counters.answered, "no touch rating was answered: the load never ran"
    assert counters.presses, "no evaluator press was made"

    # Evaluators: every event a device recorded (power-on included), exactly once.
    refs = stored_refs(app)
    events = [f"evp:{d.serial}:{i}" for d in sim.devices.values()
              for i in range(1, d.flash.next_event_id)]
    assert all(d.flash.dropped == 0 for d in sim.devices.values())
    assert {ref: refs[ref] for ref in events if refs[ref] != 1} == {}
    assert len(events) >= counters.presses + len(WINDOWS)

    with app.app_context():
        by_invitation = dict(db.session.execute(
            sa.select(Rating.invitation_id, sa.func.count()).where(
                Rating.invitation_id.is_not(None)).group_by(Rating.invitation_id)).all())
        touch = {str(i): inv for i, inv in db.session.execute(
            sa.select(Rating.id, Rating.invitation_id).where(Rating.channel == "touch"))}
        db.session.remove()
    assert {i: n for i, n in by_invitation.items() if n != 1} == {}  # no case rated twice
    # Touch: each 201 is the one stored rating of its case; each 409 lost to the evaluator.
    assert all(touch.get(rating_id) == inv for inv, rating_id in counters.answered.items())
    assert not counters.refused & set(counters.answered)
    assert set(counters.refusals) <= {"already_rated"}, counters.refusals
    assert all(by_invitation.get(inv) == 1 for inv in counters.refused)

    # The hub: every rating of the hall exactly once, the chain unbroken.
    at_hub = hub_ids(hub_app)
    assert at_hub == hall_ids(app)
    assert all(at_hub.count(rating_id) == 1 for rating_id in counters.answered.values())
    assert hub_incidents(hub_app) == []
    print(f"kills {dict(procs.kills)}; invitations {counters.invitations}, touch answered "
          f"{len(counters.answered)}, refused {len(counters.refused)}, unanswered "
          f"{counters.unanswered}; presses {counters.presses}, device events {len(events)}; "
          f"ratings at the hub {len(at_hub)}")


def _up(screen: Touchscreen) -> bool:
    try:
        return screen._request("GET", "/touch/A01/state")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


@pytest.mark.timeout(240)
def test_processes_killed_at_random_store_everything_exactly_once(
        app, hub_app, hub_url, hall_key, tmp_path):  # noqa: F811
    run_hall(app, hub_app, hub_url, hall_key, tmp_path, chaos_s=18, kill_every_s=(2.0, 4.0),
             clients=3, seed=17)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_soak_processes_killed_at_random_for_minutes(
        app, hub_app, hub_url, hall_key, tmp_path):  # noqa: F811
    run_hall(app, hub_app, hub_url, hall_key, tmp_path, chaos_s=240, kill_every_s=(1.0, 6.0),
             clients=6, seed=1717)
