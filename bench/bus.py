"""Bench: 32 simulated EVP/1 devices on one 9600-baud bus behind a real pty.

The simulator runs in its own process (`python -m device_drivers.simulator serve`,
real byte timing, 0.5 ms turnaround); 1,000 presses are sent over its control
socket while the host runs the bus master. For every event the host calls
commit() — by default a real durable SQLite commit (WAL, synchronous=FULL,
UNIQUE(device_serial, event_id)) — and then ack().

Prints
  (a) host overhead: last byte of EVENT read -> ACK written (p50/p99), split into
      framing-only and the commit itself;
  (b) idle poll-cycle time for 32 POLL/NONE exchanges vs the line-rate minimum;
  (c) stored vs pressed.
and a final line: BENCH bus host_overhead_p99_ms=… bus_efficiency_pct=… stored=… pressed=…

Run: .venv/bin/python bench/bus.py [--presses 1000] [--devices 32] [--seconds 25]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from device_drivers import evp  # noqa: E402
from device_drivers.errors import DriverError  # noqa: E402
from device_drivers.evp_bus import READ_TICK_S, EvpBus  # noqa: E402
from device_drivers.simulator.control import ControlClient  # noqa: E402
from device_drivers.simulator.pty_transport import wait_for_path  # noqa: E402
from device_drivers.transport import open_port  # noqa: E402

BAUD = 9600
RUN_LIMIT_S = 110.0


class TimedPort:
    """Port wrapper that timestamps each ACK frame the moment write() returns."""

    def __init__(self, port) -> None:
        self._port = port
        self.ack_written: dict[bytes, float] = {}

    def write(self, data: bytes) -> int:
        n = self._port.write(data)
        if len(data) > 3 and data[3] == evp.CMD_ACK:
            key = (data[1], data[5:9])  # (address, event_id)
            self.ack_written.setdefault(bytes((key[0],)) + key[1], time.perf_counter())
        return n

    def __getattr__(self, name):
        return getattr(self._port, name)

    def __setattr__(self, name, value):
        if name in ("_port", "ack_written"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._port, name, value)


class SqliteSink:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("""CREATE TABLE IF NOT EXISTS device_event (
            id INTEGER PRIMARY KEY, device_serial TEXT NOT NULL, event_id INTEGER NOT NULL,
            type INTEGER NOT NULL, key INTEGER NOT NULL, event_time TEXT NOT NULL,
            UNIQUE (device_serial, event_id))""")

    def commit(self, event) -> None:
        # One transaction per event; a duplicate (re-sent after a lost ACK) is ignored.
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT OR IGNORE INTO device_event (device_serial, event_id, type, key, event_time)"
                        " VALUES (?, ?, ?, ?, ?)", (event.device_serial, event.event_id, event.type,
                                                    event.key, event.event_time.isoformat()))
        self.db.execute("COMMIT")

    def count_presses(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM device_event WHERE type IN (1, 2)").fetchone()[0]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=32)
    ap.add_argument("--presses", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=25.0, help="spread the presses over this time")
    ap.add_argument("--idle-cycles", type=int, default=8)
    ap.add_argument("--db", help="SQLite file (default: a temp dir under the bench dir)")
    args = ap.parse_args()
    started = time.monotonic()

    workdir = tempfile.mkdtemp(prefix="bench-bus-", dir=str(Path(__file__).resolve().parent))
    link, sock = os.path.join(workdir, "evp"), os.path.join(workdir, "ctl.sock")
    sim = subprocess.Popen([sys.executable, "-m", "device_drivers.simulator", "serve", "--pty-link", link,
                            "--devices", f"1-{args.devices}", "--baud", str(BAUD), "--control", sock],
                           stdout=subprocess.DEVNULL, cwd=str(Path(__file__).resolve().parent.parent))
    try:
        if not wait_for_path(sock, 10):
            print("simulator did not start", file=sys.stderr)
            return 1
        sink = SqliteSink(args.db or os.path.join(workdir, "bench.sqlite3"))
        port = TimedPort(open_port(link, BAUD, READ_TICK_S))
        bus = EvpBus(port, range(1, args.devices + 1), baud=BAUD, port_url=link)

        commit_ms: list[float] = []
        framing_ms: list[float] = []
        total_ms: list[float] = []

        def on_event(event) -> None:
            t0 = time.perf_counter()
            sink.commit(event)
            t1 = time.perf_counter()
            try:
                bus.ack(event)
            except DriverError:
                return  # comes again; the UNIQUE key dedups it
            written = port.ack_written.pop(bytes((event.address,)) + evp.build_ack(event.event_id), None)
            if written is not None and event.type in (1, 2):
                commit_ms.append((t1 - t0) * 1000)
                total_ms.append((written - event.received_monotonic) * 1000)
                framing_ms.append(total_ms[-1] - commit_ms[-1])

        # Warm-up: identify all devices and store their power-on events.
        for _ in range(3):
            bus.poll_cycle(on_event)
        online = sum(h.online for h in bus.health())

        # (b) idle cycles: 32 POLL/NONE exchanges each.
        cycle_ms = []
        for _ in range(args.idle_cycles):
            t0 = time.perf_counter()
            events = bus.poll_cycle(on_event)
            if not events:
                cycle_ms.append((time.perf_counter() - t0) * 1000)
        line_min_ms = args.devices * evp.wire_time_s(evp.MIN_FRAME_LEN + evp.MIN_FRAME_LEN + 1, BAUD) * 1000
        efficiency = 100.0 * line_min_ms / statistics.mean(cycle_ms)

        # (c) presses spread over time from another thread, through the control socket.
        pressed = [0, 0]  # accepted by a device, refused (queue full / no power)
        rng = random.Random(42)

        def presser() -> None:
            with ControlClient(sock) as ctl:
                start = time.monotonic()
                for i in range(args.presses):
                    delay = start + args.seconds * i / args.presses - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    ok = ctl.call("press", device=rng.randint(1, args.devices), key=rng.randint(1, 5))
                    pressed[0 if ok else 1] += 1

        thread = threading.Thread(target=presser, daemon=True)
        thread.start()
        while time.monotonic() - started < RUN_LIMIT_S:
            bus.poll_cycle(on_event)
            if not thread.is_alive() and sink.count_presses() >= pressed[0]:
                break
        stored = sink.count_presses()

        print(f"devices online {online}/{args.devices}, baud {BAUD}, sqlite WAL synchronous=FULL")
        print(f"(a) host overhead EVENT last byte read -> ACK written, n={len(total_ms)}: "
              f"p50 {pct(total_ms, .5):.3f} ms, p99 {pct(total_ms, .99):.3f} ms "
              f"(framing only p50 {pct(framing_ms, .5):.3f} / p99 {pct(framing_ms, .99):.3f} ms; "
              f"commit p50 {pct(commit_ms, .5):.3f} / p99 {pct(commit_ms, .99):.3f} ms)")
        print(f"(b) idle poll cycle ({args.devices} POLL/NONE): mean {statistics.mean(cycle_ms):.1f} ms, "
              f"min {min(cycle_ms):.1f} ms; line-rate minimum {line_min_ms:.1f} ms "
              f"-> bus efficiency {efficiency:.1f} %")
        print(f"(c) pressed {pressed[0]} (refused by devices {pressed[1]}), stored {stored}; "
              f"retries {bus.stats['retries']}, misses {bus.stats['misses']}; "
              f"run {time.monotonic() - started:.1f} s")
        # host_overhead includes the durable commit (fsync); framing/commit shown apart.
        print(f"BENCH bus host_overhead_p99_ms={pct(total_ms, .99):.3f} bus_efficiency_pct={efficiency:.1f} "
              f"stored={stored} pressed={pressed[0]} framing_p99_ms={pct(framing_ms, .99):.3f} "
              f"commit_p99_ms={pct(commit_ms, .99):.3f}")
        bus.close()
        return 0 if stored == pressed[0] else 2
    finally:
        sim.terminate()
        sim.wait(5)
        for name in os.listdir(workdir):
            os.unlink(os.path.join(workdir, name))
        os.rmdir(workdir)


if __name__ == "__main__":
    sys.exit(main())
