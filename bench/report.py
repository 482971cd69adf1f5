"""Runs every benchmark under bench/ and prints one table: metric, target, measured, its
same-run baseline and the ratio to it, verdict; above it the machine and the date, below it
each benchmark's command and the load average before and after it (the machine is shared:
read the ratios, not the absolute figures). bench/RESULTS.md keeps the runs worth keeping.

Each benchmark prints a last machine-readable line `BENCH <name> key=value …`. A benchmark
that is missing, fails or prints no such line is shown as such; the report goes on.
Usage: python bench/report.py [--only rate_http,bus] [--timeout 900]
Exit status: 0 when every target is met, 1 otherwise.
"""
import argparse
import datetime
import operator
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"


@dataclass(frozen=True)
class Target:
    bench: str
    metric: str
    op: str  # ">=", "<=" or "==" (against another metric of the same line, e.g. stored=pressed)
    value: float | str
    ratio: str | None = None  # the key holding measured / same-run baseline, if any
    baseline: str | None = None  # the key holding the same-run baseline itself, if any


TARGETS = [
    Target("rate_http", "ratio", ">=", 5, baseline="baseline_per_s"),
    Target("rate_http", "p99_ms", "<=", 20, baseline="baseline_p99_ms"),
    Target("bus", "host_overhead_p99_ms", "<=", 2, ratio="ratio_p99"),
    Target("bus", "bus_efficiency_pct", ">=", 90),
    Target("bus", "stored", "==", "pressed"),
    Target("footprint", "total_pss_mb", "<=", 150, ratio="ratio_floor", baseline="floor_mb"),
    Target("invite_latency", "evaluator_p99_ms", "<=", 300),
    Target("invite_latency", "touch_p99_ms", "<=", 300, baseline="state_round_trip_ms"),
    Target("sync", "drain_1m_s", "<=", 60),
    Target("sync", "hub_ingest_per_s", ">=", 20000, ratio="ratio_ingest"),
    # The hash chain's cost: throughput with it / without it, both measured in one run.
    Target("chain", "touch_ratio", ">=", 0.9),
    Target("chain", "drain_ratio", ">=", 0.9),
    Target("chain", "drain_cpu_ratio", ">=", 0.9),
    Target("stats", "stats_p95_ms", "<=", 300),
    Target("stats", "rankings_p95_ms", "<=", 300),
]
OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


@dataclass
class Run:
    status: str  # "ok", "missing", "failed (rc=…)", "timeout", "no BENCH line"
    values: dict
    seconds: float = 0.0
    load: tuple[float, float] = (float("nan"), float("nan"))  # 1-minute load before, after


def parse_bench_line(output: str, name: str) -> dict | None:
    """The last `BENCH <name> k=v …` line as a dict, or None."""
    for line in reversed(output.splitlines()):
        parts = line.strip().split()
        if len(parts) >= 2 and parts[0] == "BENCH" and parts[1] == name:
            return dict(p.split("=", 1) for p in parts[2:] if "=" in p)
    return None


def run_bench(name: str, timeout: float, bench_dir: Path = BENCH_DIR) -> Run:
    script = bench_dir / f"{name}.py"
    if not script.exists():
        return Run("missing", {})
    started, load_before = time.monotonic(), os.getloadavg()[0]
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Run(f"timeout after {timeout:.0f} s", {}, time.monotonic() - started,
                   (load_before, os.getloadavg()[0]))
    elapsed, load = time.monotonic() - started, (load_before, os.getloadavg()[0])
    values = parse_bench_line(proc.stdout, name)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["-"])[-1][:80]
        return Run(f"failed (rc={proc.returncode}): {tail}", values or {}, elapsed, load)
    if values is None:
        return Run("no BENCH line", {}, elapsed, load)
    return Run("ok", values, elapsed, load)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def judge(target: Target, run: Run) -> tuple[str, str]:
    """(measured, verdict) for one target."""
    if run.status == "missing":
        return "-", "MISSING"
    measured = run.values.get(target.metric)
    if measured is None:
        broke = run.status.startswith(("failed", "timeout"))
        return "-", "FAILED" if broke else "NOT REPORTED"
    if isinstance(target.value, str):
        other = _number(run.values.get(target.value))
        goal = other if other is not None else run.values.get(target.value)
    else:
        goal = target.value
    value = _number(measured)
    if value is None or goal is None:
        return measured, "NOT REPORTED"
    met = OPS[target.op](value, goal)
    verdict = "pass" if met and run.status == "ok" else ("FAILED" if met else "FALLS SHORT")
    return measured, verdict


def table(runs: dict[str, Run], targets=TARGETS) -> tuple[str, bool]:
    rows = [("benchmark", "metric", "target", "measured", "same-run baseline", "x baseline",
             "result")]
    all_met = True
    for t in targets:
        if t.bench not in runs:
            continue
        measured, verdict = judge(t, runs[t.bench])
        all_met &= verdict == "pass"
        ratio = runs[t.bench].values.get(t.ratio, "-") if t.ratio else "-"
        base = runs[t.bench].values.get(t.baseline, "-") if t.baseline else "-"
        rows.append((t.bench, t.metric, f"{t.op} {t.value}", measured, base, ratio, verdict))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{name}: {run.status} ({run.seconds:.0f} s, load {run.load[0]:.1f} -> "
             f"{run.load[1]:.1f}; command: python bench/{name}.py)" for name, run in runs.items()]
    return "\n".join(lines + ["", *notes]), all_met


def machine() -> str:
    """What the figures were measured on, and when."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{when}; {os.cpu_count()} x {model}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; load {os.getloadavg()[0]:.1f} at the start")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per benchmark")
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(t.bench for t in TARGETS))
    if args.only:
        names = [n for n in args.only.split(",") if n]
    print(machine(), flush=True)
    runs = {}
    for name in names:
        print(f"running bench/{name}.py …", file=sys.stderr, flush=True)
        runs[name] = run_bench(name, args.timeout)
    text, all_met = table(runs)
    print(text)
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
