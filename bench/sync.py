"""Drains a 1,000,000-rating backlog from a hall's SQLite into the hub's PostgreSQL.

The backlog is bulk-inserted (ratings + outbox rows, executemany) into a temporary SQLite
file, each record linked into the hall's hash chain as queue_outbox links it. The hub runs under waitress in its own process on a PostgreSQL schema made for the
run and dropped after. Then:
  1. drain: the real sync worker as the daemon runs it, with the daemon's default settings
     (SYNC_IN_FLIGHT batches in flight, the default batch size) until empty;
  2. ingest: pre-encoded batches of the default size, one at a time, to time the hub alone
     (each a run of the chain, as the daemon sends it);
  3. baseline, same run, same PostgreSQL: a bare executemany of the same records into a
     plain table (id, payload jsonb), committed once per batch — the floor of any ingest.
Everything is written in a folder of this worktree (not tmpfs); the file system is printed.
Targets: drain ≤ 60 s, hub ≥ 20,000 ratings/s.
Last line: BENCH sync drain_1m_s=… hub_ingest_per_s=… baseline_per_s=… ratio_ingest=…
"""
import argparse
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
from uuid6 import uuid7

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.hub import keys  # noqa: E402
from kiosk.integrity.chain import GENESIS, envelope, links_for  # noqa: E402
from kiosk.models import HubHall  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.ratings.facts import HallFacts, StoredRating  # noqa: E402
from kiosk.ratings.record import rating_record  # noqa: E402
from kiosk.seed import seed_demo  # noqa: E402
from kiosk.sync import settings  # noqa: E402
from kiosk.sync.client import HubClient  # noqa: E402
from kiosk.sync.wire import encode_batch, json_text  # noqa: E402
from kiosk.sync.worker import Worker, drain  # noqa: E402

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
HALL = "BENCH-HALL"
FACTS = HallFacts("五华区政务服务中心", "530102", "11530102MB1234567X")
BATCH = settings.SyncSettings.__dataclass_fields__["batch_size"].default  # the daemon's


def payloads(n: int, start):
    for i in range(n):
        level = 1 + i % 5
        r = StoredRating(id=uuid7(), level=level, scale=5, channel="evaluator",
                         window_code="A01", rated_at=start + timedelta(seconds=i),
                         staff_no="YN0101", service_code="530102001000",
                         reasons=["R01"] if level >= 4 else [], reason_version=1 if level >= 4
                         else None, comment="" if i % 7 else "窗口服务很好，办事效率高")
        yield r, json_text(rating_record(r, FACTS))  # as queue_outbox stores it


def make_backlog(db_file: Path, n: int, chained: bool = True) -> None:
    """n ratings and their outbox rows, bulk-inserted; chained: each row written with its
    link as queue_outbox writes it (one insert, the link in the row from the start), and
    the hall's chain head after the last."""
    con = sqlite3.connect(db_file)
    window_id = con.execute("SELECT id FROM window WHERE code='A01'").fetchone()[0]
    start = utcnow() - timedelta(days=20)
    now = str(utcnow())
    seq, prev = 0, GENESIS
    rows_r, rows_o = [], []
    for r, text in payloads(n, start):
        rows_r.append((r.id.hex, r.level, 5, "evaluator", window_id, json.dumps(r.reasons),
                       r.reason_version, r.comment, str(r.rated_at), now))
        rows_o.append(["rating", str(r.id), text, now, None, None])
        if len(rows_r) == 50_000:
            seq, prev = _flush(con, rows_r, rows_o, seq, prev, chained)
    seq, prev = _flush(con, rows_r, rows_o, seq, prev, chained)
    if chained:
        con.execute("INSERT INTO chain_head (id, seq, hash) VALUES (1, ?, ?)", (seq, prev))
        con.commit()
    con.close()


def _flush(con, rows_r, rows_o, seq: int, prev: str, chained: bool) -> tuple[int, str]:
    if chained and rows_o:
        for row, (env, _) in zip(rows_o, link_texts([r[2] for r in rows_o], seq, prev),
                                 strict=True):
            seq += 1
            row[4:] = env, seq
        prev = json.loads(rows_o[-1][4])["chain"]["hash"]
    con.executemany(
        "INSERT INTO rating (id, level, scale, channel, window_id, reasons, reason_version,"
        " comment, rated_at, created_at, uninvited, is_default, excluded)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,1,0,0)", rows_r)
    con.executemany(
        "INSERT INTO outbox (kind, record_id, payload, created_at, envelope, seq, attempts,"
        " dead) VALUES (?,?,?,?,?,?,0,0)", rows_o)
    con.commit()
    rows_r.clear()
    rows_o.clear()
    return seq, prev


def link_texts(texts: list[str], seq: int, prev: str) -> list[tuple[str, str]]:
    """(envelope, text) of each record text, linked on from (seq, prev) as the ledger does."""
    links = links_for((text.encode() for text in texts), seq, prev)
    return [(json_text(envelope(link)), text) for link, text in zip(links, texts, strict=True)]


def as_run(linked: list[tuple[str, str]]) -> tuple[list[tuple[None, str]], dict]:
    """(items, links) of consecutive linked (envelope, text) pairs, as the daemon sends a
    run of its chain (kiosk/sync/worker.py run_header): the texts, one link in the header."""
    first, last = (json.loads(linked[k][0])["chain"] for k in (0, -1))
    return ([(None, text) for _, text in linked],
            {"seq": first["seq"], "prev": first["prev"], "hash": last["hash"]})


def baseline_inserts(schema: str, texts: list[str]) -> float:
    """Records per second of a bare insert of the same payloads, one commit per batch."""
    with psycopg.connect(PG_DSN) as conn:
        conn.execute(f"CREATE TABLE {schema}.floor (id uuid PRIMARY KEY, payload jsonb)")
        conn.commit()
        t = time.perf_counter()
        with conn.cursor() as cur:
            for i in range(0, len(texts), BATCH):
                cur.executemany(f"INSERT INTO {schema}.floor VALUES (%s, %s)",
                                [(json.loads(x)["id"], x) for x in texts[i:i + BATCH]])
                conn.commit()
        return len(texts) / (time.perf_counter() - t)


def start_hub(inst: Path, db_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "KIOSK_ROLE": "hub", "KIOSK_DATABASE_URL": db_url,
           "KIOSK_INSTANCE_PATH": str(inst)}
    # As deploy/systemd/kiosk-hub.service runs it.
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.serve", "--host", "127.0.0.1",
                             f"--port={port}", "--workers", "4", "--threads", "8"],
                            cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/hub/api/v1/config", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("hub did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ratings", type=int, default=1_000_000)
    ap.add_argument("--ingest", type=int, default=200_000)
    ap.add_argument("--in-flight", type=int, help="SYNC_IN_FLIGHT for the drain, to compare "
                    "with the default")
    args = ap.parse_args()
    schema = "bench_" + secrets.token_hex(4)
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    db_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    hub = None
    tmp = ROOT / "bench" / "_runs" / f"sync-{os.getpid()}"
    tmp.mkdir(parents=True)
    if True:
        try:
            hub_inst = tmp / "hub"
            hub_app = create_app({"ROLE": "hub", "INSTANCE_PATH": str(hub_inst),
                                  "SQLALCHEMY_DATABASE_URI": db_url})
            key = keys.new_hall_key()
            with hub_app.app_context():
                db.create_all()
                db.session.add(HubHall(code=HALL, name="bench", settings={},
                                       key_sealed=keys.seal_hall_key(HALL, key)))
                db.session.commit()
                db.engine.dispose()
            port = 18000 + secrets.randbelow(2000)
            hub = start_hub(hub_inst, db_url, port)

            hall_app = create_app({"INSTANCE_PATH": str(tmp / "hall"),
                                   "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'hall.db'}"})
            with hall_app.app_context():
                db.create_all()
                seed_demo()
            t = time.perf_counter()
            make_backlog(tmp / "hall.db", args.ratings)  # each record linked, as queued
            print(f"backlog of {args.ratings} generated in {time.perf_counter() - t:.1f} s")
            settings.configure(tmp / "hall", f"http://127.0.0.1:{port}", HALL, key)
            hall_app.config.update(SYNC_URL=f"http://127.0.0.1:{port}", SYNC_HALL_ID=HALL,
                                   SYNC_KEY_FILE=str(tmp / "hall" / "sync_key"),
                                   SYNC_READ_TIMEOUT=60, **({"SYNC_IN_FLIGHT": args.in_flight}
                                                            if args.in_flight else {}))
            with hall_app.app_context():
                worker = Worker(db.engine, settings.load(hall_app))
                t = time.perf_counter()
                result = drain(worker, parallel=worker.in_flight)  # as the daemon does
                drain_s = time.perf_counter() - t
                assert result.error is None, result.error
                assert result.stored == args.ratings, result
                print(f"drain: {result.stored} stored in {drain_s:.1f} s "
                      f"({result.stored / drain_s:,.0f}/s), {worker.in_flight} batches in flight")

                bodies = []
                # The same hall's next records: linked on from the head the drain left.
                con = sqlite3.connect(tmp / "hall.db")
                head, prev = con.execute("SELECT seq, hash FROM chain_head").fetchone()
                con.close()
                items = link_texts([text for _, text in payloads(
                    args.ingest, utcnow() - timedelta(days=5))], head, prev)
                for i in range(0, len(items), BATCH):
                    texts, run = as_run(items[i:i + BATCH])
                    bodies.append(encode_batch(
                        batch_id=str(uuid.uuid4()), hall_id=HALL, sent_at="", backlog={},
                        items=texts, links=run,
                        chain={"low": head + 1 + i, "head": head + len(items)}))
                client = HubClient(settings.load(hall_app))
                t = time.perf_counter()
                stored = sum(len(client.send_batch(body)["stored"]) for body in bodies)
                ingest_s = time.perf_counter() - t
                client.close()
                worker.close()
            assert stored == args.ingest
            with psycopg.connect(PG_DSN) as conn:
                total = conn.execute(f"SELECT count(*), count(DISTINCT id) FROM {schema}.hub_rating"
                                     ).fetchone()
            assert total == (args.ratings + args.ingest,) * 2, total
            rate = stored / ingest_s
            print(f"hub ingest: {stored} in {ingest_s:.1f} s ({rate:,.0f}/s)")
            base = baseline_inserts(schema, [text for _, text in items])
            fs = subprocess.run(["df", "-T", str(tmp)], capture_output=True, text=True
                                ).stdout.splitlines()[-1].split()
            print(f"baseline bare executemany into PostgreSQL, {BATCH} per commit: "
                  f"{base:,.0f}/s -> hub ingest = {rate / base:.2f}x the floor")
            print(f"hall SQLite on {fs[1]} ({fs[0]}, mounted on {fs[-1]}); shared machine, "
                  f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; batch {BATCH}")
            scale = 1_000_000 / args.ratings
            print(f"BENCH sync drain_1m_s={drain_s * scale:.1f} hub_ingest_per_s={rate:.0f} "
                  f"baseline_per_s={base:.0f} ratio_ingest={rate / base:.2f}")
        finally:
            if hub:
                hub.terminate()
                hub.wait(10)
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
