"""Bench: invitation created -> the window's evaluator in INVITE, and -> the touchscreen
showing the rating screen, through the shipped processes with their defaults.

A demo instance in a folder of this worktree (not tmpfs); the device listener
(`flask --app wsgi devices listen`) drives 8 emulated EVP/1 evaluators (one per window) on a
9600-baud pty; the web app (`python -m kiosk.serve`) serves the touchscreens. Invitations are
created the way the business API creates them (kiosk.invitations.service, one write
transaction, in this process), one window at a time, at random moments.
  evaluator:   until the device at that window took SET_STATE INVITE (emulator timestamp)
  touchscreen: until the state endpoint answers with the invitation, asked the way the page
               asks (static/touch/touch.js: ?after=<version> held until the state changes,
               polling every POLL_MS as its fallback; one screen per window)
Baseline, same run: one round trip of the state endpoint (the floor any polling screen pays),
and one SET_STATE exchange on the wire (the floor of the bus).

Run: .venv/bin/python bench/invite_latency.py [--invitations 80]
Last line: BENCH invite_latency evaluator_p99_ms=… touch_p99_ms=… …
"""
from __future__ import annotations

import argparse
import http.client as httplib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device_drivers import evp  # noqa: E402
from device_drivers.simulator import EvpSimBus, PtyTransport  # noqa: E402

PY = str(ROOT / ".venv/bin/python")
FLASK = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
TARGET_MS = 300


def page_poll_ms() -> int:
    return int(re.search(r"POLL_MS = (\d+)", (ROOT / "static/touch/touch.js").read_text())[1])


class InviteClock(EvpSimBus):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.invites: dict[int, list[float]] = {}  # address -> monotonic times of INVITE taken

    def _on_frame(self, frame, done_at):
        if frame.cmd == evp.CMD_SET_STATE and frame.data[:1] == bytes([evp.STATE_INVITE]):
            self.invites.setdefault(frame.addr, []).append(time.monotonic())
        super()._on_frame(frame, done_at)


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_state(port: int, code: str, after: str | None = None) -> tuple[dict, float]:
    t0 = time.monotonic()
    conn = httplib.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/touch/{code}/state" + (f"?after={after}" if after else ""))
    body = json.loads(conn.getresponse().read())
    conn.close()
    return body, (time.monotonic() - t0) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--invitations", type=int, default=80)
    args = ap.parse_args()
    folder = ROOT / "bench" / "_runs" / f"invite-{os.getpid()}"
    instance = folder / "instance"
    instance.mkdir(parents=True, mode=0o700)
    os.environ["KIOSK_INSTANCE_PATH"] = str(instance)
    env = dict(os.environ)
    subprocess.run([*FLASK, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    link = str(folder / "evp.tty")
    subprocess.run([*FLASK, "devices", "demo-setup", "--port", link], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    from kiosk import create_app
    from kiosk.extensions import db
    from kiosk.invitations.service import create_invitation
    from kiosk.models import Window

    app = create_app()
    with app.app_context():
        codes = [w.code for w in db.session.query(Window).order_by(Window.code)]
    sim = InviteClock(range(1, len(codes) + 1), baud=9600, timing=True)
    transport = PtyTransport(sim, link)
    transport.start()
    port = free_port()
    logs = [open(folder / f"{n}.log", "wb") for n in ("listener", "web")]  # noqa: SIM115
    procs = [subprocess.Popen([*FLASK, "devices", "listen"], cwd=ROOT, env=env, stdout=logs[0],
                              stderr=subprocess.STDOUT),
             subprocess.Popen([PY, "-m", "kiosk.serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=logs[1], stderr=subprocess.STDOUT)]
    poll_ms = page_poll_ms()
    seen_touch: dict[int, float] = {}
    stop = threading.Event()

    def screen(code: str) -> None:  # one touchscreen: asks like the page does (touch.js poll)
        time.sleep(random.random() * poll_ms / 1000)
        version = None
        while not stop.is_set():
            try:
                body, took_ms = get_state(port, code, version)
            except OSError:
                time.sleep(poll_ms / 1000)
                continue
            invitation = body.get("invitation")
            if invitation and invitation["id"] not in seen_touch:
                seen_touch[invitation["id"]] = time.monotonic()
            changed = body.get("version") != version
            version = body.get("version")
            # The server held the request until a change: ask again at once. An unchanged
            # answer at once (no waiting place free, or a server that does not wait): poll.
            if not changed and took_ms < poll_ms:
                time.sleep(poll_ms / 1000)

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                get_state(port, codes[0])
                break
            except OSError:
                time.sleep(0.5)
        while len(sim.invites) == 0 and sum(1 for d in sim.devices.values()
                                            if not d.flash.queue) < len(codes):
            time.sleep(0.2)  # power-on events acknowledged: the listener is driving the bus
        time.sleep(2)
        threads = [threading.Thread(target=screen, args=(c,), daemon=True) for c in codes]
        for t in threads:
            t.start()
        floor_http = [get_state(port, codes[0])[1] for _ in range(30)]
        evaluator_ms, touch_ms = [], []
        rng = random.Random(7)
        for n in range(args.invitations):
            code = codes[n % len(codes)]
            address = codes.index(code) + 1
            before = len(sim.invites.get(address, []))
            time.sleep(rng.uniform(0.3, 0.9))
            with app.app_context():
                t0 = time.monotonic()
                inv = create_invitation(window_code=code, case_no=f"BENCH-INV-{os.getpid()}-{n}",
                                        service_code=None).invitation.id
                db.session.remove()
            end = time.monotonic() + 10
            while time.monotonic() < end and (len(sim.invites.get(address, [])) <= before
                                              or inv not in seen_touch):
                time.sleep(0.005)
            if len(sim.invites.get(address, [])) > before:
                evaluator_ms.append((sim.invites[address][before] - t0) * 1000)
            if inv in seen_touch:
                touch_ms.append((seen_touch[inv] - t0) * 1000)
        stop.set()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
        for log in logs:
            log.close()
        transport.close()
    wire_ms = evp.wire_time_s(2 * evp.MIN_FRAME_LEN + 2, 9600) * 1000
    fs = subprocess.run(["df", "-T", str(folder)], capture_output=True, text=True
                        ).stdout.splitlines()[-1].split()
    print(f"file system: {fs[1]} ({fs[0]}, mounted on {fs[-1]}); shared machine, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"invitation -> evaluator INVITE (listener defaults, {len(codes)} devices, 9600 baud), "
          f"n={len(evaluator_ms)}: p50 {pct(evaluator_ms, .5):.0f} ms, "
          f"p99 {pct(evaluator_ms, .99):.0f} ms (target <= {TARGET_MS}); "
          f"floor: one SET_STATE exchange on the wire {wire_ms:.0f} ms -> p99 "
          f"{pct(evaluator_ms, .99) / wire_ms:.1f}x")
    print(f"invitation -> touchscreen rating screen (page waits for a change, falls back to "
          f"polling every {poll_ms} ms), "
          f"n={len(touch_ms)}: p50 {pct(touch_ms, .5):.0f} ms, p99 {pct(touch_ms, .99):.0f} ms "
          f"(target <= {TARGET_MS}); floor: one state round trip p50 "
          f"{pct(floor_http, .5):.0f} ms -> p99 {pct(touch_ms, .99) / pct(floor_http, .5):.1f}x")
    print(f"BENCH invite_latency evaluator_p99_ms={pct(evaluator_ms, .99):.0f} "
          f"touch_p99_ms={pct(touch_ms, .99):.0f} evaluator_p50_ms={pct(evaluator_ms, .5):.0f} "
          f"touch_p50_ms={pct(touch_ms, .5):.0f} state_round_trip_ms={pct(floor_http, .5):.0f} "
          f"invitations={args.invitations} evaluator_n={len(evaluator_ms)} touch_n={len(touch_ms)}")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
