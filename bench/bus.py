"""Bench: the shipped device listener (`flask --app wsgi devices listen`, its own process,
its default settings) driving 32 emulated EVP/1 evaluators on one 9600-baud bus behind a
real pty, recording into the hall's SQLite in a folder of this worktree.

The emulator (this process) models the wire byte by byte (device_drivers/simulator, real
timing, 0.5 ms turnaround) and timestamps, for every event, the moment the last byte of its
first EVENT answer is on the wire and the moment the listener's ACK for it has arrived. A
re-sent event (the listener retried or the ACK went astray) keeps its first EVENT time, so
retries count against the host. Host overhead = ACK arrived - EVENT sent - the ACK's own
wire time (12 bytes at 9600 baud = 12.5 ms): decode, the durable record path
(record_rating: rating + rollups + outbox in one group commit) and the ACK write.

Baseline, same run, same folder: a bare durable SQLite commit (WAL, synchronous=FULL) of
the same rows (a rating row and an outbox row) per event, p50/p99, made beside the presses at
their pace (the ratio is to this one) and again alone after the run.
Bus efficiency: idle POLL/NONE exchanges per second the listener achieves, against the
line-rate maximum (8-byte POLL + 9-byte NONE + turnaround).

Run: .venv/bin/python bench/bus.py [--devices 32] [--presses 600] [--seconds 20]
Last line: BENCH bus host_overhead_p99_ms=… baseline_commit_p99_ms=… ratio_p99=…
bus_efficiency_pct=… stored=… pressed=…
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device_drivers import evp  # noqa: E402
from device_drivers.simulator import EvpSimBus, PtyTransport  # noqa: E402

BAUD = 9600
ACK_WIRE_S = evp.wire_time_s(evp.MIN_FRAME_LEN + 4, BAUD)
EXCHANGE_S = evp.wire_time_s(2 * evp.MIN_FRAME_LEN + 1, BAUD) + 0.0005
RUN_LIMIT_S = 120.0
COMMANDS = {evp.CMD_POLL: "POLL", evp.CMD_ACK: "ACK", evp.CMD_SET_STATE: "SET_STATE",
            evp.CMD_SET_TEXT: "SET_TEXT", evp.CMD_IDENTIFY: "IDENTIFY"}


class TimedBus(EvpSimBus):
    """The emulated devices, timing each event from its first EVENT to its ACK."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_sent: dict[tuple[int, int], float] = {}
        self.acked: dict[tuple[int, int], float] = {}
        self.resent = 0
        self.polls = 0
        # Bus time accounting: requests per command, and the host's gaps (from the last byte
        # of an answer on the wire to the first byte of the host's next request).
        self.frames: dict[int, int] = {}
        self.host_gap_s = 0.0
        self._answer_end = 0.0

    def host_write(self, data, now):
        if self._answer_end and self.timing:
            self.host_gap_s += max(0.0, now - self._answer_end)
            self._answer_end = 0.0
        super().host_write(data, now)

    def _on_frame(self, frame, done_at):
        self.frames[frame.cmd] = self.frames.get(frame.cmd, 0) + 1
        if frame.cmd == evp.CMD_POLL:
            self.polls += 1
        elif frame.cmd == evp.CMD_ACK and len(frame.data) == 4:
            key = (frame.addr, int.from_bytes(frame.data, "little"))
            self.acked.setdefault(key, done_at)
        super()._on_frame(frame, done_at)

    def emit(self, data, earliest):
        super().emit(data, earliest)
        self._answer_end = self._tx_free_at
        if len(data) > 9 and data[3] == evp.CMD_EVENT:
            key = (data[1], int.from_bytes(data[5:9], "little"))
            if key in self.event_sent:
                self.resent += 1
            else:
                self.event_sent[key] = self._tx_free_at  # the last byte's time on the wire


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def file_system(path: Path) -> str:
    out = subprocess.run(["df", "-T", str(path)], capture_output=True, text=True).stdout
    fields = out.splitlines()[-1].split()
    return f"{fields[1]} ({fields[0]}, mounted on {fields[-1]})"


def prepare_hall(instance: Path, link: str, devices: int) -> None:
    """The demo hall with `devices` evaluators on one port, spread over its windows."""
    os.environ["KIOSK_INSTANCE_PATH"] = str(instance)
    from kiosk import create_app
    from kiosk.devices.manage import DeviceSpec, add_device
    from kiosk.extensions import db
    from kiosk.models import Window
    from kiosk.seed import seed_demo

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_demo()
        codes = [w.code for w in db.session.query(Window).order_by(Window.code)]
        for address in range(1, devices + 1):
            add_device(DeviceSpec(codes[(address - 1) % len(codes)], "evp", link, address),
                       "bench")
        db.session.commit()
        db.engine.dispose()


def baseline_commits(folder: Path, n: int, interval_s: float = 0.0,
                     name: str = "baseline") -> list[float]:
    """A bare durable commit of one rating row and one outbox row, n times (one every
    interval_s), in ms."""
    conn = sqlite3.connect(folder / f"{name}.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE rating (id TEXT PRIMARY KEY, level INT, window_id INT,"
                 " rated_at TEXT, source_ref TEXT UNIQUE, device_serial TEXT, device_address INT)")
    conn.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, record_id TEXT, payload TEXT)")
    times = []
    payload = json.dumps({"kind": "rating", "level": 2, "window_code": "A01", "x": "y" * 400})
    begin = time.monotonic()
    for i in range(n):
        if (delay := begin + i * interval_s - time.monotonic()) > 0:
            time.sleep(delay)
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        rid = uuid.uuid4().hex
        conn.execute("INSERT INTO rating VALUES (?, 2, 1, '2026-01-01 00:00:00', ?, 'S', 1)",
                     (rid, f"evp:S:{i}"))
        conn.execute("INSERT INTO outbox (record_id, payload) VALUES (?, ?)", (rid, payload))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return times


def count_ratings(instance: Path) -> int:
    conn = sqlite3.connect(instance / "hall.db")
    try:
        return conn.execute("SELECT count(*) FROM rating WHERE device_address IS NOT NULL"
                            ).fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=32)
    ap.add_argument("--presses", type=int, default=600)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--keep", action="store_true", help="keep the run folder")
    args = ap.parse_args()

    folder = ROOT / "bench" / "_runs" / f"bus-{os.getpid()}"
    folder.mkdir(parents=True)
    instance = folder / "instance"
    instance.mkdir(mode=0o700)
    link = str(folder / "evp.tty")
    sim = TimedBus(range(1, args.devices + 1), baud=BAUD, timing=True)
    transport = PtyTransport(sim, link)
    transport.start()
    prepare_hall(instance, link, args.devices)
    log = open(folder / "listener.log", "wb")  # noqa: SIM115
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(instance)}
    listener = subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "devices",
                                 "listen"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    try:
        # Warm-up: every device identified and its power-on event stored and acknowledged.
        while len(sim.acked) < args.devices and time.monotonic() - started < 60:
            time.sleep(0.1)
        warm = set(sim.acked)
        # ... and every device told its window's state (SET_STATE + SET_TEXT after power-on,
        # ~0.1 s a device at 9600 baud): the idle bus is measured once that is done.
        settled_at = time.monotonic()
        while time.monotonic() - settled_at < 1.0 and time.monotonic() - started < 90:
            before = sim.frames.get(evp.CMD_SET_STATE, 0) + sim.frames.get(evp.CMD_SET_TEXT, 0)
            time.sleep(0.25)
            if sim.frames.get(evp.CMD_SET_STATE, 0) + sim.frames.get(evp.CMD_SET_TEXT, 0) != before:
                settled_at = time.monotonic()
        polls0, t0 = sim.polls, time.monotonic()
        frames0, gap0 = dict(sim.frames), sim.host_gap_s
        time.sleep(3.0)  # idle: nothing but POLL/NONE (and health) on the bus
        idle_s = time.monotonic() - t0
        polls_per_s = (sim.polls - polls0) / idle_s
        idle_frames = {COMMANDS.get(c, hex(c)): n - frames0.get(c, 0)
                       for c, n in sim.frames.items() if n - frames0.get(c, 0)}
        idle_gap_pct = 100.0 * (sim.host_gap_s - gap0) / idle_s
        efficiency = 100.0 * polls_per_s * EXCHANGE_S

        # The baseline runs beside the presses, at their pace: the same disk, the same
        # neighbours' load, at the same moments.
        during: list[float] = []
        beside = threading.Thread(target=lambda: during.extend(baseline_commits(
            folder, args.presses, args.seconds / args.presses, "baseline-during")))
        beside.start()
        rng = random.Random(42)
        pressed = 0
        begin = time.monotonic()
        for i in range(args.presses):
            delay = begin + args.seconds * i / args.presses - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            # Keys 2-4: a level on both five- and three-level windows, so every press rates.
            if sim.press(rng.randint(1, args.devices), rng.randint(2, 4)):
                pressed += 1
        while time.monotonic() - started < RUN_LIMIT_S:
            if len(set(sim.acked) - warm) >= pressed and count_ratings(instance) >= pressed:
                break
            time.sleep(0.2)
        beside.join()
        stored = count_ratings(instance)
        overhead = [(sim.acked[k] - ACK_WIRE_S - sent) * 1000
                    for k, sent in sim.event_sent.items() if k in sim.acked and k not in warm]
        unacked = sum(1 for k in sim.event_sent if k not in sim.acked)
    finally:
        listener.terminate()
        listener.wait(10)
        log.close()
        transport.close()
    after = baseline_commits(folder, max(200, len(overhead)))
    base = during

    print(f"file system: {file_system(folder)}; folder {folder.relative_to(ROOT)}")
    print(f"devices {args.devices} at {BAUD} baud; listener = flask devices listen (defaults); "
          f"shared machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"host overhead EVENT on the wire -> ACK written, every event (n={len(overhead)}, "
          f"re-sent EVENTs {sim.resent}, never acked {unacked}): "
          f"p50 {pct(overhead, .5):.2f} ms, p99 {pct(overhead, .99):.2f} ms, "
          f"max {max(overhead, default=float('nan')):.2f} ms")
    print(f"baseline bare durable commit (rating + outbox row, WAL, synchronous=FULL, same "
          f"folder) beside the presses at their pace, n={len(base)}: p50 {pct(base, .5):.2f} "
          f"ms, p99 {pct(base, .99):.2f} ms; after the run, alone, n={len(after)}: p50 "
          f"{pct(after, .5):.2f} ms, p99 {pct(after, .99):.2f} ms")
    ratio = pct(overhead, .99) / pct(base, .99)
    print(f"ratio host overhead / bare commit: p50 {pct(overhead, .5) / pct(base, .5):.1f}x, "
          f"p99 {ratio:.1f}x")
    print(f"idle bus: {polls_per_s:.1f} POLL/s vs line-rate max {1 / EXCHANGE_S:.1f}/s "
          f"-> efficiency {efficiency:.1f} %")
    print(f"idle bus, requests by command: {idle_frames}; host gaps (answer's last byte -> "
          f"next request's first byte) {idle_gap_pct:.1f} % of the time")
    print(f"pressed {pressed}, stored {stored}")
    print(f"BENCH bus host_overhead_p99_ms={pct(overhead, .99):.3f} "
          f"baseline_commit_p99_ms={pct(base, .99):.3f} ratio_p99={ratio:.2f} "
          f"bus_efficiency_pct={efficiency:.1f} stored={stored} pressed={pressed}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if stored == pressed else 2


if __name__ == "__main__":
    sys.exit(main())
