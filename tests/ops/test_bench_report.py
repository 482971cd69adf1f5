"""bench/report.py: parses BENCH lines, judges targets, survives missing and failing runs."""
import sys

import pytest

from bench import report

pytestmark = pytest.mark.timeout(30)


def test_parse_takes_the_last_line_of_its_benchmark():
    out = "noise\nBENCH bus stored=1\nBENCH other x=1\nBENCH bus stored=5 pressed=5\n"
    assert report.parse_bench_line(out, "bus") == {"stored": "5", "pressed": "5"}
    assert report.parse_bench_line("nothing", "bus") is None


def test_table_judges_targets_and_reports_missing_and_failed(tmp_path, monkeypatch):
    (tmp_path / "rate_http.py").write_text('print("BENCH rate_http ratio=5.5 p99_ms=19")')
    (tmp_path / "bus.py").write_text(
        'print("BENCH bus host_overhead_p99_ms=3.1 bus_efficiency_pct=95 stored=9 pressed=10")')
    (tmp_path / "sync.py").write_text("import sys; sys.exit('boom')")
    runs = {name: report.run_bench(name, 20, tmp_path)
            for name in ("rate_http", "bus", "sync", "stats")}
    text, all_met = report.table(runs)
    print(text, file=sys.stderr)
    assert not all_met
    rows = {tuple(line.split()[:2]): line for line in text.splitlines()}
    assert rows[("rate_http", "ratio")].endswith("pass")
    assert rows[("bus", "host_overhead_p99_ms")].endswith("FALLS SHORT")
    assert rows[("bus", "bus_efficiency_pct")].endswith("pass")
    assert rows[("bus", "stored")].endswith("FALLS SHORT")  # 9 stored of 10 pressed
    assert rows[("sync", "drain_1m_s")].endswith("FAILED")
    assert rows[("stats", "stats_p95_ms")].endswith("MISSING")
    assert "sync: failed (rc=1): boom" in text


def test_no_bench_line_is_not_a_crash(tmp_path):
    (tmp_path / "stats.py").write_text('print("done")')
    run = report.run_bench("stats", 20, tmp_path)
    assert run.status == "no BENCH line"
    text, _ = report.table({"stats": run})
    assert "NOT REPORTED" in text


def test_the_same_run_baseline_and_the_load_are_printed(tmp_path):
    (tmp_path / "rate_http.py").write_text(
        'print("BENCH rate_http ratio=3.2 p99_ms=31 baseline_per_s=173 baseline_p99_ms=570")')
    text, _ = report.table({"rate_http": report.run_bench("rate_http", 20, tmp_path)})
    rows = {tuple(line.split()[:2]): line.split() for line in text.splitlines()}
    assert rows[("rate_http", "ratio")][5:] == ["173", "-", "FALLS", "SHORT"]
    assert rows[("rate_http", "p99_ms")][5:] == ["570", "-", "FALLS", "SHORT"]
    assert "command: python bench/rate_http.py" in text and "load " in text
