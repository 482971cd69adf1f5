"""What the shared rate limiter costs on the touch rating endpoint, end to end.

The shipped server (kiosk.serve, waitress workers) on a fresh demo instance; client threads
post uninvited touch ratings over keep-alive HTTP. Each uninvited rating counts one hit in
instance/ratelimit.db (the per-window limit) before its write. Run twice in the same
invocation, alternating: limiter on (limit set out of reach, so every request is counted
and passes) and limiter off (RATELIMIT_ENABLED false, the baseline). Prints both and the
ratio. Instances live in a folder under the repository, never on tmpfs.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.rate_http import percentile, wait_for

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def client(port, n, latencies, statuses, stop_at, window):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/touch/{window}/state")
    resp = conn.getresponse()
    token = json.loads(resp.read())["csrf_token"]
    cookie = resp.getheader("Set-Cookie").split(";", 1)[0]
    headers = {"Content-Type": "application/json", "X-CSRFToken": token, "Cookie": cookie}
    for i in range(n):
        if time.monotonic() > stop_at:
            break
        t0 = time.perf_counter()
        conn.request("POST", f"/touch/{window}/rate", body=json.dumps({"level": 1 + i % 3}),
                     headers=headers)
        resp = conn.getresponse()
        resp.read()
        latencies.append(time.perf_counter() - t0)
        statuses.append(resp.status)


def run(limiter_on: bool, args, parent: Path) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(dir=parent) as tmp:
        inst = Path(tmp)
        env = {**os.environ, "KIOSK_INSTANCE_PATH": str(inst)}
        subprocess.run([PY, "-m", "flask", "--app", "wsgi", "demo"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        config = ({"RATE_LIMITS": {"uninvited_window": "1000000000 per hour"}} if limiter_on
                  else {"RATELIMIT_ENABLED": False})
        (inst / "config.json").write_text(json.dumps(config))
        port = 19080 + os.getpid() % 500 + (1 if limiter_on else 0)
        server = subprocess.Popen(
            [PY, "-m", "kiosk.serve", "--host", "127.0.0.1", f"--port={port}",
             f"--workers={args.workers}", f"--threads={args.server_threads}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=(inst / "server.log").open("w"))
        try:
            wait_for(port, timeout=60)  # a loaded machine starts workers slowly
            latencies, statuses = [], []
            stop_at = time.monotonic() + args.seconds
            windows = ["A01", "A02", "A03", "B01", "B02", "C01", "C02", "D01"]
            threads = [threading.Thread(target=client, args=(
                port, args.requests // args.clients, latencies, statuses, stop_at,
                windows[i % len(windows)])) for i in range(args.clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=10)
    ok = statuses.count(201)
    if ok != len(statuses):
        sys.exit(f"unexpected answers: {sorted({str(s) for s in statuses})}")
    return ok / elapsed, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    parent = ROOT / "instance" / "bench"
    parent.mkdir(parents=True, exist_ok=True)
    results = {True: [], False: []}
    for _ in range(args.rounds):
        for on in (False, True):  # alternate, so a noisy neighbour hits both alike
            results[on].append(run(on, args, parent))
    best = {on: max(rs) for on, rs in results.items()}
    for on, (rate, p50, p99) in best.items():
        label = "limiter on " if on else "limiter off"
        print(f"{label}: {rate:.0f} uninvited touch ratings/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    ratio = best[True][0] / best[False][0]
    print(f"BENCH ratelimit on_per_s={best[True][0]:.0f} off_per_s={best[False][0]:.0f} "
          f"ratio={ratio:.3f} p50_on_ms={best[True][1]:.2f} p50_off_ms={best[False][1]:.2f}")


if __name__ == "__main__":
    main()
