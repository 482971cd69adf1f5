"""What the hash chain costs: touch-rating throughput and sync drain rate, each measured
with and without the chain in the same run, rounds interleaved (on, off, on, off …).

Touch ratings: bench/rate_http.py's harness (demo instance, `python -m kiosk.serve` with
its defaults, wrk rating pre-made invitations). "Off" is the same server with
queue_outbox's linking step replaced by the forwarding path (records queued as they are,
no link).

Sync drain: bench/sync.py's harness (hub under waitress on its own PostgreSQL schema, the
real worker draining a bulk-made backlog as the daemon does). "On" is a backlog whose
records carry their links: the worker sends them as runs of the chain (one link in each
batch's header; the hub computes and checks every record's link) with the hall's chain
report; "off" is the same records unchained, as from a hall before the chain: the hub then
skips every chain step.

--cpu: the same two comparisons in CPU time of this process, which a machine shared with
other work disturbs far less than wall time: record_rating() through the group committer
(the touch path without HTTP), and the hub's ingest_batch() on batches of the daemon's size.

Everything is written under bench/_runs/ (not /tmp, which may be memory). Prints each
round, then the medians and the ratio; last line: BENCH chain touch_ratio=… drain_ratio=…
drain_cpu_ratio=… (records per CPU-second of the hall and hub processes, on / off: steadier
than the rate on a shared machine)
"""
import argparse
import os
import secrets
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rate_http  # noqa: E402
from bench import sync as sync_bench  # noqa: E402
from kiosk import collector, create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.hub import keys  # noqa: E402
from kiosk.integrity.chain import GENESIS  # noqa: E402
from kiosk.models import HubHall  # noqa: E402
from kiosk.seed import seed_demo  # noqa: E402
from kiosk.sync import settings  # noqa: E402
from kiosk.sync.wire import decode_lines, encode_batch  # noqa: E402
from kiosk.sync.worker import Worker, drain  # noqa: E402

RUNS = ROOT / "bench" / "_runs"
WARM_UP = 16_000  # records per variant before the measured rounds: 8 batches
PY = sys.executable
# The shipped server, with the chain's linking step swapped for "queue as given".
UNCHAINED_SERVER = ("import sys; import kiosk.sync.queue as q; "
                    "from bench.chain import unlinked_rows; q.linked_rows = unlinked_rows; "
                    "from kiosk.serve import main; main(sys.argv[1:])")


def unlinked_rows(conn, records, texts, at):
    """queue_outbox's rows as the chain-off variant writes them: no link, no envelope."""
    from kiosk.sync import queue
    return [queue.outbox_row(r, t, {}, None, at) for r, t in zip(records, texts, strict=True)]


def touch_round(work: Path, chained: bool, args) -> float:
    """Ratings/s of one round: bench/rate_http.py's shipped server under wrk, on a fresh
    demo instance; every answered rating stored once, linked only when the chain is on."""
    folder = work / f"touch-{'on' if chained else 'off'}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    run = argparse.Namespace(invitations=args.invitations, connections=args.connections,
                             seconds=args.seconds, profile=False, samples="active",
                             serve_args=[])
    result, _ = (rate_http.shipped(folder, run) if chained
                 else rate_http.shipped(folder, run, ("-c", UNCHAINED_SERVER)))
    con = sqlite3.connect(folder / "instance" / "hall.db")
    ratings, linked_rows = con.execute("SELECT count(*), count(seq) FROM outbox"
                                       " WHERE kind = 'rating'").fetchone()
    con.close()
    accepted = result["requests"] - result["non_2xx"]
    assert result["stored"] == result["distinct"] == ratings, result
    assert accepted <= ratings <= accepted + args.connections, (accepted, ratings)
    assert linked_rows == (ratings if chained else 0), (linked_rows, chained)
    shutil.rmtree(folder)
    return result["per_s"]


def drain_round(work: Path, hub_url: str, hall_code: str, key: str, chained: bool,
                n: int, hub_pid: int) -> tuple[float, float]:
    """Records/s the real worker drains from a fresh backlog of n ratings, and records per
    CPU-second of the hall's worker and the hub's process together (PostgreSQL's own
    processes are shared with whatever else runs, so not counted)."""
    hall_dir = work / f"hall-{hall_code}-{secrets.token_hex(3)}"
    hall_dir.mkdir(parents=True)
    hall = create_app({"INSTANCE_PATH": str(hall_dir),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{hall_dir / 'hall.db'}"})
    with hall.app_context():
        db.create_all()
        seed_demo()
        db.engine.dispose()
    sync_bench.make_backlog(hall_dir / "hall.db", n, chained)
    settings.configure(hall_dir, hub_url, hall_code, key)
    hall.config.update(SYNC_URL=hub_url, SYNC_HALL_ID=hall_code,
                       SYNC_KEY_FILE=str(hall_dir / "sync_key"),
                       SYNC_BATCH_SIZE=sync_bench.BATCH, SYNC_READ_TIMEOUT=120)
    with hall.app_context():
        worker = Worker(db.engine, settings.load(hall))
        t, hall_cpu, hub_cpu = (time.perf_counter(), time.process_time(),
                                rate_http.cpu_seconds(hub_pid))
        result = drain(worker, parallel=worker.in_flight)  # as the daemon runs it
        elapsed = time.perf_counter() - t
        hall_cpu, hub_cpu = (time.process_time() - hall_cpu,
                             rate_http.cpu_seconds(hub_pid) - hub_cpu)
        cpu = hall_cpu + hub_cpu
        print(f"  CPU µs/record: hall {1e6 * hall_cpu / n:.0f}, hub {1e6 * hub_cpu / n:.0f}")
        worker.close()
        db.engine.dispose()
    assert result.error is None and result.stored == n, result
    shutil.rmtree(hall_dir)
    return n / elapsed, n / cpu


def drain_rounds(work: Path, rounds: int, n: int) -> tuple[dict, dict]:
    """(records/s, records/CPU-s) of each round, chain on and off."""
    schema = "bench_" + secrets.token_hex(4)
    with psycopg.connect(sync_bench.PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    db_url = ("postgresql+psycopg://postgres@127.0.0.1:5432/test"
              f"?options=-csearch_path%3D{schema}")
    hub_inst = work / "hub"
    hub = None
    results: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    try:
        hub_app = create_app({"ROLE": "hub", "INSTANCE_PATH": str(hub_inst),
                              "SQLALCHEMY_DATABASE_URI": db_url})
        hall_keys = {}
        with hub_app.app_context():
            db.create_all()
            for i in range(-1, rounds):  # -1: the warm-up round
                for chained in (True, False):
                    code = f"BENCH-{'ON' if chained else 'OFF'}-{i}"
                    hall_keys[code] = keys.new_hall_key()
                    db.session.add(HubHall(code=code, name=code, settings={},
                                           key_sealed=keys.seal_hall_key(code,
                                                                         hall_keys[code])))
            db.session.commit()
            db.engine.dispose()
        port = 18900 + secrets.randbelow(900)
        hub = sync_bench.start_hub(hub_inst, db_url, port)
        # Unmeasured: each hub worker's first batches pay its connections, temp tables and
        # statement caches, which would count against whichever variant came first.
        for chained in (True, False):
            code = f"BENCH-{'ON' if chained else 'OFF'}--1"
            drain_round(work, f"http://127.0.0.1:{port}", code, hall_keys[code], chained,
                        WARM_UP, hub.pid)
        for i in range(rounds):
            for chained in (True, False) if i % 2 == 0 else (False, True):
                code = f"BENCH-{'ON' if chained else 'OFF'}-{i}"
                rate, per_cpu = drain_round(work, f"http://127.0.0.1:{port}", code,
                                            hall_keys[code], chained, n, hub.pid)
                results[chained].append(rate)
                cpu[chained].append(per_cpu)
                print(f"drain round {i} chain {'on ' if chained else 'off'}: {rate:,.0f} records/s"
                      f", {per_cpu:,.0f} records/CPU-s (hall + hub)", flush=True)
        with psycopg.connect(sync_bench.PG_DSN) as conn:
            incidents = conn.execute(f"SELECT count(*) FROM {schema}.hub_integrity_incident"
                                     ).fetchone()[0]
            runs = conn.execute(f"SELECT hall_code, retired_by, first_seq, last_seq"
                                f" FROM {schema}.hub_chain_run").fetchall()
        # Each chained hall's backlog is one run of the hub's, 1..n.
        expected = {(f"BENCH-ON-{i}", 0, 1, n) for i in range(rounds)}
        expected.add(("BENCH-ON--1", 0, 1, WARM_UP))
        assert incidents == 0 and sorted(runs) == sorted(expected), (incidents, runs)
    finally:
        if hub:
            hub.terminate()
            hub.wait(10)
        with psycopg.connect(sync_bench.PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return results, cpu


def _cpu_per_item(fn, n: int) -> float:
    start = time.process_time()
    fn()
    return (time.process_time() - start) / n * 1e6


def cpu_touch_rounds(work: Path, rounds: int, n: int) -> dict[bool, list[float]]:
    """CPU µs per rating through record_rating() and the group committer."""
    import uuid as uuidlib

    import kiosk.sync.queue as queue_module
    from kiosk.ratings.service import record_rating

    chained_rows = queue_module.linked_rows
    results: dict[bool, list[float]] = {True: [], False: []}
    inst = work / "cpu-touch"
    inst.mkdir(parents=True, exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(inst), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{inst / 'hall.db'}"})
    with app.app_context():
        db.create_all()
        seed_demo()
        for i in range(rounds):
            for chained in (True, False) if i % 2 == 0 else (False, True):
                queue_module.linked_rows = chained_rows if chained else unlinked_rows

                def rate():
                    for k in range(n):
                        record_rating(window_code="A01", level=1 + k % 5, channel="evaluator",
                                      source_ref=f"b:{uuidlib.uuid4()}")

                results[chained].append(_cpu_per_item(rate, n))
                print(f"cpu touch round {i} chain {'on ' if chained else 'off'}: "
                      f"{results[chained][-1]:.0f} µs/rating", flush=True)
        queue_module.linked_rows = chained_rows
        db.engine.dispose()
    return results


def cpu_hub_rounds(work: Path, rounds: int) -> dict[bool, list[float]]:
    """CPU µs per record in the hub's ingest_batch() (PostgreSQL), 5,000 per batch."""
    from datetime import timedelta

    from kiosk.hub.ingest import ingest_batch
    from kiosk.models.base import utcnow

    schema = "bench_" + secrets.token_hex(4)
    with psycopg.connect(sync_bench.PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    results: dict[bool, list[float]] = {True: [], False: []}
    n = sync_bench.BATCH
    try:
        app = create_app({"ROLE": "hub", "INSTANCE_PATH": str(work / "cpu-hub"),
                          "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with app.app_context():
            db.create_all()
            halls, prev = {}, {True: GENESIS, False: None}
            for chained in (True, False):
                code = "CPU-ON" if chained else "CPU-OFF"
                key = keys.new_hall_key()
                hall = HubHall(code=code, name=code, settings={},
                               key_sealed=keys.seal_hall_key(code, key))
                db.session.add(hall)
                halls[chained] = (hall, key)
            db.session.commit()
            for i in range(rounds):
                for chained in (True, False) if i % 2 == 0 else (False, True):
                    texts = [t for _, t in sync_bench.payloads(n, utcnow() - timedelta(days=2))]
                    items, run = [(None, t) for t in texts], None
                    if chained:  # as the daemon sends it: a run, one link in the header
                        items, run = sync_bench.as_run(sync_bench.link_texts(texts, i * n,
                                                                             prev[True]))
                        prev[True] = run["hash"]
                    body = encode_batch(batch_id=f"cpu-{i}", hall_id="", sent_at="", backlog={},
                                        items=items, links=run,
                                        chain={"low": i * n + 1, "head": (i + 1) * n}
                                        if chained else None)
                    hall, key = halls[chained]
                    hall = db.session.get(HubHall, hall.id)

                    def ingest(body=body, hall=hall, key=key):
                        # As the hub's route reads a batch (kiosk/hub/routes.py), then stores it.
                        with collector.paused():
                            lines = decode_lines(body)
                            ingest_batch(hall, key, {**lines.header, "items": lines.items},
                                         utcnow(), lines)

                    results[chained].append(_cpu_per_item(ingest, n))
                    print(f"cpu hub round {i} chain {'on ' if chained else 'off'}: "
                          f"{results[chained][-1]:.0f} µs/record", flush=True)
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(sync_bench.PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return results


def _summary(name: str, unit: str, results: dict[bool, list[float]]) -> float:
    """The ratio of the two variants' medians; beside it, the median of each round's own
    on/off (the two ran back to back, so a machine that drifts during the run moves both)."""
    on, off = statistics.median(results[True]), statistics.median(results[False])
    ratio = on / off
    paired = statistics.median(a / b for a, b in zip(results[True], results[False], strict=True))
    print(f"{name}: chain on {on:,.0f} {unit}, off {off:,.0f} {unit} (medians of "
          f"{len(results[True])}); on/off = {ratio:.3f} (cost {100 * (1 - ratio):.1f} %); "
          f"median of the rounds' own on/off {paired:.3f}")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # This machine's paired rounds differ by up to ±20 %: fewer rounds say little.
    ap.add_argument("--rounds", type=int, default=7, help="rounds of each variant")
    ap.add_argument("--invitations", type=int, default=30000, help="per touch round")
    ap.add_argument("--seconds", type=int, default=8, help="wrk's run per touch round")
    ap.add_argument("--connections", type=int, default=8, help="wrk's connections")
    ap.add_argument("--drain", type=int, default=40_000, help="backlog per drain round")
    ap.add_argument("--skip-touch", action="store_true")
    ap.add_argument("--skip-drain", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="only the CPU-time comparisons")
    ap.add_argument("--cpu-ratings", type=int, default=2000, help="ratings per CPU round")
    args = ap.parse_args()
    work = RUNS / f"chain-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.cpu:
            # µs per item: lower is better, so the ratio is off/on (as for rates).
            touch = cpu_touch_rounds(work, args.rounds, args.cpu_ratings)
            hub = cpu_hub_rounds(work, args.rounds)
            touch_ratio = _summary("CPU per touch rating (inverted)", "ratings/CPU-s",
                                   {k: [1e6 / v for v in vs] for k, vs in touch.items()})
            hub_ratio = _summary("CPU per hub record (inverted)", "records/CPU-s",
                                 {k: [1e6 / v for v in vs] for k, vs in hub.items()})
            print(f"BENCH chain cpu_touch_ratio={touch_ratio:.3f} cpu_hub_ratio={hub_ratio:.3f}")
            return
        touch_ratio = drain_ratio = drain_cpu_ratio = float("nan")
        if not args.skip_touch:
            touch: dict[bool, list[float]] = {True: [], False: []}
            for i in range(args.rounds):
                for chained in (True, False) if i % 2 == 0 else (False, True):
                    rate = touch_round(work, chained, args)
                    touch[chained].append(rate)
                    print(f"touch round {i} chain {'on ' if chained else 'off'}: "
                          f"{rate:,.0f} ratings/s", flush=True)
            touch_ratio = _summary("touch ratings", "ratings/s", touch)
        if not args.skip_drain:
            rates, cpu = drain_rounds(work, args.rounds, args.drain)
            drain_ratio = _summary("sync drain", "records/s", rates)
            drain_cpu_ratio = _summary("sync drain, CPU of hall + hub", "records/CPU-s", cpu)
        print(f"BENCH chain touch_ratio={touch_ratio:.3f} drain_ratio={drain_ratio:.3f} "
              f"drain_cpu_ratio={drain_cpu_ratio:.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
