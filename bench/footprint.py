"""Bench: memory of a hall's three processes after a warm-up, as shipped.

Starts, on a demo instance in a folder of this worktree (not tmpfs):
  web      python -m kiosk.serve (its defaults: workers and threads), master + workers
  listener flask --app wsgi devices listen, with the demo's evaluators on a simulator pty
  sync     flask --app wsgi sync run, configured for a hub that is not there (it retries)
warms them up (touchscreen pages and ratings, the admin login page, presses on the
evaluators, a few sync rounds), then sums the proportional set size (PSS, from
/proc/<pid>/smaps_rollup) of each process tree. Baseline, same run: a bare `python -c
"import flask, sqlalchemy"` process, the floor any Flask + SQLAlchemy process pays.
It also lists which of the heavy optional libraries each process has loaded (read from
/proc/<pid>/maps for native ones and from an import probe of the same entry point).

Run: .venv/bin/python bench/footprint.py
Last line: BENCH footprint total_pss_mb=… web_mb=… listener_mb=… sync_mb=… floor_mb=…
ratio_floor=…
"""
from __future__ import annotations

import http.client as httplib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
FLASK = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
TARGET_MB = 150
HEAVY = ("openpyxl", "PIL", "qrcode", "httpx", "cryptography", "reportlab", "matplotlib",
         "alembic", "babel", "gmssl", "chinese_calendar", "playwright")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    out = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out += tree(int(child))
    return out


def pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_mb(pid: int) -> tuple[float, int]:
    pids = tree(pid)
    return sum(pss_kb(p) for p in pids) / 1024, len(pids)


def probe_imports(env: dict, code: str) -> list[str]:
    """Heavy libraries a process has after the same start-up as the entry point."""
    script = (f"import sys\n{code}\n"
              f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([PY, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    return (out.stdout.strip().splitlines() or [""])[-1].split(",") if out.stdout else []


def file_system(path: Path) -> str:
    fields = subprocess.run(["df", "-T", str(path)], capture_output=True,
                            text=True).stdout.splitlines()[-1].split()
    return f"{fields[1]} ({fields[0]}, mounted on {fields[-1]})"


def http(port: int, method: str, path: str, body: dict | None = None, headers=None):
    conn = httplib.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, response.getheader("Set-Cookie")


def main() -> int:
    folder = ROOT / "bench" / "_runs" / f"footprint-{os.getpid()}"
    instance = folder / "instance"
    instance.mkdir(parents=True, mode=0o700)
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(instance)}
    run = lambda *a, **kw: subprocess.run([*FLASK, *a], cwd=ROOT, env=env, check=True,  # noqa: E731
                                           capture_output=True, text=True, **kw)
    run("demo")
    link, control = instance / "evaluators.tty", instance / "evaluators.sock"
    run("devices", "demo-setup", "--port", str(link))
    run("sync", "configure", "--url", f"http://127.0.0.1:{free_port()}", "--hall-id", "bench",
        input="k" * 32 + "\n")
    logs = [open(folder / f"{n}.log", "wb") for n in ("sim", "web", "listener", "sync")]  # noqa: SIM115
    port = free_port()
    procs = {}
    try:
        procs["sim"] = subprocess.Popen(
            [PY, "-m", "device_drivers.simulator", "serve", "--pty-link", str(link),
             "--devices", "1-8", "--control", str(control), "--fast"], cwd=ROOT, env=env,
            stdout=logs[0], stderr=subprocess.STDOUT)
        procs["web"] = subprocess.Popen([PY, "-m", "kiosk.serve", "--port", str(port)], cwd=ROOT,
                                        env=env, stdout=logs[1], stderr=subprocess.STDOUT)
        procs["listener"] = subprocess.Popen([*FLASK, "devices", "listen"], cwd=ROOT, env=env,
                                             stdout=logs[2], stderr=subprocess.STDOUT)
        procs["sync"] = subprocess.Popen([*FLASK, "sync", "run"], cwd=ROOT, env=env,
                                         stdout=logs[3], stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if http(port, "GET", "/healthz")[0] in (200, 503):
                    break
            except OSError:
                time.sleep(0.5)
        # Warm-up: the pages and writes a hall's day is made of.
        for _ in range(20):
            for path in ("/touch/A01", "/touch/A01/state", "/login", "/m/", "/display",
                         "/healthz"):
                http(port, "GET", path)
            status, body, cookie = http(port, "GET", "/touch/A01/state")
            token = json.loads(body)["csrf_token"]
            http(port, "POST", "/touch/A01/rate", {"level": 2},
                 {"X-CSRFToken": token, "Cookie": cookie.split(";")[0] if cookie else ""})
        for n in range(8):
            subprocess.run([PY, "-m", "device_drivers.simulator", "press", "--control",
                            str(control), "--device", str(n + 1), "--key", "2"], cwd=ROOT,
                           env=env, capture_output=True)
        time.sleep(10)  # the listener stores them, the sync daemon tries a few rounds
        measured = {name: tree_pss_mb(procs[name].pid) for name in ("web", "listener", "sync")}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
    floor = subprocess.Popen([PY, "-c", "import flask, sqlalchemy, time; time.sleep(30)"],
                             cwd=ROOT)
    time.sleep(5)
    floor_mb = pss_kb(floor.pid) / 1024
    floor.terminate()
    floor.wait(5)
    imports = {
        "web": probe_imports(env, "from kiosk import create_app; create_app()"),
        "listener": probe_imports(env, "import wsgi; import kiosk.devices.listener"),
        "sync": probe_imports(env, "import wsgi; import kiosk.sync.daemon"),
    }
    total = sum(mb for mb, _ in measured.values())
    print(f"file system: {file_system(folder)}; folder {folder.relative_to(ROOT)}")
    print(f"machine: {os.cpu_count()} cores, shared, load {os.getloadavg()[0]:.1f}")
    for name, (mb, n) in measured.items():
        print(f"{name:9s} PSS {mb:6.1f} MB over {n} process(es); heavy libraries after start-up: "
              f"{', '.join(m for m in imports[name] if m) or '-'}")
    print(f"total {total:.1f} MB (target <= {TARGET_MB} MB); baseline bare flask+sqlalchemy "
          f"process {floor_mb:.1f} MB -> total = {total / floor_mb:.1f}x the floor "
          f"({sum(n for _, n in measured.values())} processes)")
    print(f"BENCH footprint total_pss_mb={total:.1f} web_mb={measured['web'][0]:.1f} "
          f"listener_mb={measured['listener'][0]:.1f} sync_mb={measured['sync'][0]:.1f} "
          f"floor_mb={floor_mb:.1f} ratio_floor={total / floor_mb:.2f}")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
