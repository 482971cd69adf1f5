"""Bench: touch ratings per second through the shipped web server against a naive baseline,
both loaded by wrk in the same run.

  shipped   python -m kiosk.serve with its defaults (workers, threads, WAL, group commit),
            POST /touch/A01/rate of pre-made invitations (one rating per case), CSRF token
            and session cookie taken from the state endpoint as the page does
  baseline  bench/naive_app.py: Flask-SQLAlchemy, one ORM insert + commit per request,
            SQLite's default journal, waitress with 4 threads
Same load for both: wrk (C, one thread, --latency) with bench/rate_http.lua, the same
connections and duration, both databases in a folder of this worktree (not tmpfs). Prints
ratings/s, p50/p99, the ratio, how the CPU was split between wrk and the server, and checks
that every 201 is stored exactly once.

Run: .venv/bin/python bench/rate_http.py [--connections 8] [--seconds 10]
     [--serve "--workers 1"]  (compare a setting; the default measures the shipped defaults)
     [--profile [--samples gil|idle]]  (py-spy the server; raw stacks kept in bench/_runs/)
Last line: BENCH rate_http ratings_per_s=… baseline_per_s=… ratio=… p99_ms=… …
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
LUA = ROOT / "bench" / "rate_http.lua"
TARGET_RATIO, TARGET_P99_MS = 5.0, 20.0
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children, alive or reaped."""
    total = 0.0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / CLOCK_TICK
            pids += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, IndexError):
            continue
    return total


def summarise_profile(raw: Path, top: int = 15) -> list[str]:
    """py-spy's collapsed stacks -> the functions with the most samples on top of the stack
    (self) and the product's functions with the most samples anywhere (inclusive)."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames or not count.isdigit():
            continue
        n = int(count)
        total += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            if "kiosk/" in frame:
                inclusive[frame] = inclusive.get(frame, 0) + n
    lines = [f"profile: {total} on-CPU samples (py-spy, every thread of the server processes"
             ")", "  self:"]
    lines += [f"    {100 * n / total:5.1f} %  {f}" for f, n in
              sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    lines += ["  inclusive, product code:"]
    lines += [f"    {100 * n / total:5.1f} %  {f}" for f, n in
              sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]]
    return lines


def run_wrk(port: int, path: str, env_extra: dict, connections: int, seconds: int,
            server_pid: int, profile: Path | None = None, samples: str = "active") -> dict:
    env = {**os.environ, "BENCH_PATH": path, "BENCH_THREADS": "1", **env_extra}
    spy = None
    if profile is not None:
        spy = subprocess.Popen([str(ROOT / ".venv/bin/py-spy"), "record", "--pid",
                                str(server_pid), "--subprocesses", "--format", "raw",
                                "--duration", str(seconds), "--output", str(profile),
                                *(["--gil"] if samples == "gil" else ["--idle"] if samples == "idle" else [])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server0, client0 = cpu_seconds(server_pid), os.times()
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", str(LUA), f"http://127.0.0.1:{port}"], env=env,
                         capture_output=True, text=True, check=True).stdout
    client1 = os.times()
    lua = dict(kv.split("=") for kv in re.search(r"LUA (.*)", out)[1].split())
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if spy is not None:
        spy.wait(60)
    return {"per_s": rate, "requests": int(lua["requests"]),
            "p50_ms": int(lua["p50_us"]) / 1000, "p99_ms": int(lua["p99_us"]) / 1000,
            "non_2xx": int(non2xx[1]) if non2xx else 0,
            "server_cpu_s": cpu_seconds(server_pid) - server0,
            "client_cpu_s": (client1.children_user + client1.children_system)
            - (client0.children_user + client0.children_system)}


def shipped(folder: Path, args, server_command: tuple[str, ...] = ("-m", "kiosk.serve")
            ) -> tuple[dict, int]:
    """server_command: the Python arguments that start the server (bench/chain.py starts it
    with one step swapped)."""
    inst = folder / "instance"
    inst.mkdir(mode=0o700)
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(inst)}
    subprocess.run([PY, "-m", "flask", "--app", "wsgi", "demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    con = sqlite3.connect(inst / "hall.db")
    window_id = con.execute("SELECT id FROM window WHERE code='A01'").fetchone()[0]
    first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM invitation").fetchone()[0]
    con.executemany(
        "INSERT INTO invitation (id, case_no, window_id, invited_at, screen_until, expires_at,"
        " status) VALUES (?, ?, ?, datetime('now'), datetime('now', '+1 day'),"
        " datetime('now', '+7 days'), 'pending')",
        [(first + i, f"BENCH-{i:07d}", window_id) for i in range(args.invitations)])
    con.commit()
    con.close()
    port = free_port()
    log = open(folder / "web.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([PY, *server_command, "--port", str(port), *args.serve_args],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_up(port, "/touch/A01/state")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/touch/A01/state")
        resp = conn.getresponse()
        token = json.loads(resp.read())["csrf_token"]
        cookie = resp.getheader("Set-Cookie").split(";", 1)[0]
        result = run_wrk(port, "/touch/A01/rate", {"BENCH_TOKEN": token, "BENCH_COOKIE": cookie,
                                                  "BENCH_FIRST_ID": str(first)},
                         args.connections, args.seconds, server.pid,
                         folder / "profile.txt" if args.profile else None, args.samples)
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    if args.profile and (folder / "profile.txt").exists():
        result["profile"] = summarise_profile(folder / "profile.txt")
        # The raw stacks outlive the run's folder, for a flame graph or a closer look.
        shutil.copy(folder / "profile.txt", folder.parent / f"{folder.name}-profile.txt")
    con = sqlite3.connect(inst / "hall.db")
    stored, distinct = con.execute(
        "SELECT count(*), count(DISTINCT invitation_id) FROM rating WHERE channel = 'touch'"
    ).fetchone()
    con.close()
    result["stored"], result["distinct"] = stored, distinct
    return result, first


def baseline(folder: Path, args) -> dict:
    port = free_port()
    server = subprocess.Popen([PY, str(ROOT / "bench" / "naive_app.py"),
                               str(folder / "naive.sqlite3"), str(port)], cwd=ROOT)
    try:
        wait_up(port, "/")
        result = run_wrk(port, "/rate", {"BENCH_FIRST_ID": "1"}, args.connections,
                         args.seconds, server.pid)
    finally:
        server.terminate()
        server.wait(10)
    con = sqlite3.connect(folder / "naive.sqlite3")
    result["stored"] = con.execute("SELECT count(*) FROM rating").fetchone()[0]
    con.close()
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--invitations", type=int, default=60000)
    ap.add_argument("--profile", action="store_true",
                    help="py-spy the shipped server during its run and summarise")
    ap.add_argument("--samples", choices=("active", "gil", "idle"), default="active",
                    help="py-spy's samples: threads not idle (default), only those holding the "
                         "GIL (the Python CPU), or every thread including idle ones (wall time)")
    ap.add_argument("--serve", dest="serve_args", default="",
                    help="extra kiosk.serve arguments to compare settings, e.g. '--workers 1'; "
                         "the default measures the shipped defaults")
    args = ap.parse_args()
    args.serve_args = args.serve_args.split()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    folder = ROOT / "bench" / "_runs" / f"rate-{os.getpid()}"
    folder.mkdir(parents=True)
    try:
        ours, _ = shipped(folder, args)
        base = baseline(folder, args)
        fs = subprocess.run(["df", "-T", str(folder)], capture_output=True, text=True
                            ).stdout.splitlines()[-1].split()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = ours["per_s"] / base["per_s"]
    print("\n".join(ours.get("profile", [])))
    print(f"file system: {fs[1]} ({fs[0]}, mounted on {fs[-1]}); shared machine, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s, same for both")
    shipped_name = f"shipped  (kiosk.serve {' '.join(args.serve_args) or 'defaults'})"
    for name, r in ((shipped_name, ours), ("baseline (naive Flask-SQLAlchemy)", base)):
        print(f"{name}: {r['per_s']:.0f} ratings/s, p50 {r['p50_ms']:.1f} ms, p99 "
              f"{r['p99_ms']:.1f} ms, non-2xx {r['non_2xx']}, stored {r['stored']}; CPU: server "
              f"{r['server_cpu_s']:.1f} s ({1000 * r['server_cpu_s'] / max(r['requests'], 1):.2f} "
              f"ms a request), wrk {r['client_cpu_s']:.1f} s over {args.seconds} s")
    accepted = ours["requests"] - ours["non_2xx"]
    # wrk counts the answers it read; requests still in flight when it stops may be stored too.
    once = ours["stored"] == ours["distinct"] and accepted <= ours["stored"] <= accepted + \
        args.connections
    print(f"ratio shipped / baseline: {ratio:.2f}x (target >= {TARGET_RATIO}x, p99 <= "
          f"{TARGET_P99_MS} ms); every answered rating stored exactly once: {once}")
    print(f"BENCH rate_http ratings_per_s={ours['per_s']:.0f} baseline_per_s={base['per_s']:.0f} "
          f"ratio={ratio:.2f} p99_ms={ours['p99_ms']:.1f} baseline_p99_ms={base['p99_ms']:.1f} "
          f"stored={ours['stored']} accepted={accepted} exactly_once={int(once)}")
    return 0 if once else 2


if __name__ == "__main__":
    sys.exit(main())
