"""Touch-rating submissions per second through waitress, with durable SQLite commits.

A fresh demo instance is served by waitress in its own process; 4 client threads on loopback
each rate pre-made invitations (keep-alive HTTP/1.1, CSRF token from the state endpoint),
bounded in count and time. Prints ratings/s and p50/p99 latency, and checks that every
accepted rating is in the database exactly once.
"""
import argparse
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TARGET_PER_S = 1500


def prepare_instance(inst: Path, invitations: int) -> None:
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(inst)}
    subprocess.run([PY, "-m", "flask", "--app", "wsgi", "demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    con = sqlite3.connect(inst / "hall.db")
    window_id = con.execute("SELECT id FROM window WHERE code='A01'").fetchone()[0]
    con.executemany(
        "INSERT INTO invitation (case_no, window_id, invited_at, screen_until, expires_at, status)"
        " VALUES (?, ?, datetime('now'), datetime('now', '+1 day'), datetime('now', '+7 days'),"
        " 'pending')",
        [(f"BENCH-{i:07d}", window_id) for i in range(invitations)],
    )
    con.commit()
    con.close()


def wait_for(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/touch/A01/state")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def client(port, ids, latencies, statuses, stop_at):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/touch/A01/state")
    resp = conn.getresponse()
    token = json.loads(resp.read())["csrf_token"]
    cookie = resp.getheader("Set-Cookie").split(";", 1)[0]
    headers = {"Content-Type": "application/json", "X-CSRFToken": token, "Cookie": cookie}
    for inv_id in ids:
        if time.monotonic() > stop_at:
            break
        body = json.dumps({"level": 1 + inv_id % 3, "invitation_id": inv_id})
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/touch/A01/rate", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
        except OSError as exc:  # counted, and this client stops: its connection is gone
            statuses.append(f"{type(exc).__name__} after {time.perf_counter() - t0:.1f} s")
            return
        latencies.append(time.perf_counter() - t0)
        statuses.append(resp.status)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        inst = Path(tmp)
        prepare_instance(inst, args.requests)
        port = 18080 + os.getpid() % 1000
        env = {**os.environ, "KIOSK_INSTANCE_PATH": str(inst)}
        server = subprocess.Popen(
            [PY, "-m", "kiosk.serve", "--host", "127.0.0.1", f"--port={port}",
             f"--workers={args.workers}", f"--threads={args.server_threads}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=(inst / "server.log").open("w"),  # a pipe nobody reads would fill and block
        )
        try:
            wait_for(port)
            con = sqlite3.connect(inst / "hall.db")
            ids = [r[0] for r in con.execute("SELECT id FROM invitation ORDER BY id")]
            con.close()
            shards = [ids[i :: args.clients] for i in range(args.clients)]
            latencies, statuses = [], []
            stop_at = time.monotonic() + args.seconds
            threads = [threading.Thread(target=client, args=(port, shard, latencies, statuses, stop_at))
                       for shard in shards]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=10)

        con = sqlite3.connect(inst / "hall.db")
        in_db = con.execute("SELECT count(*) FROM rating").fetchone()[0]
        outbox = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
        sync_mode = con.execute("PRAGMA synchronous").fetchone()[0]
        con.close()

    ok = statuses.count(201)
    rate = ok / elapsed
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(f"touch ratings: {ok} accepted of {len(statuses)} sent in {elapsed:.2f} s "
          f"with {args.clients} clients, {args.workers} waitress workers x "
          f"{args.server_threads} threads")
    print(f"throughput: {rate:.0f} ratings/s (target >= {TARGET_PER_S})")
    print(f"latency: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"database: {in_db} ratings, {outbox} outbox rows (synchronous={sync_mode}, 2 = FULL)")
    print(f"BENCH rate_http ratings_per_s={rate:.0f} p50_ms={p50:.2f} p99_ms={p99:.2f} "
          f"stored={in_db} accepted={ok}")
    if in_db != ok or outbox != ok:
        sys.exit(f"MISMATCH: {in_db} ratings and {outbox} outbox rows stored, {ok} accepted; "
                 f"statuses {sorted({str(s) for s in statuses})}")


if __name__ == "__main__":
    main()
