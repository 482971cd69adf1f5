"""Imports a 50,000-row 事项清单 (GBK CSV and XLSX) into a demo hall through the shipped
run_import(), dry run and real, each in a fresh process so its peak RSS is its own.

Baseline, in the same run and on the same files: a bare pass over the rows (csv.reader /
openpyxl read-only) that checks nothing and writes nothing; the ratio says what the checks
and the write cost on top of reading. Files and databases live under bench/out/ (not /tmp,
which may be tmpfs). Last line: BENCH imports …
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "imports"
sys.path.insert(0, str(ROOT))
HEADER = ["事项编码", "事项名称", "实施主体编码", "实施主体"]


def make_files(rows: int) -> dict[str, Path]:
    from openpyxl import Workbook

    from kiosk.seed import demo_credit_code

    OUT.mkdir(parents=True, exist_ok=True)
    dept = demo_credit_code(1)
    lines = [(f"53{i:010d}", f"事项{i}：某类行政许可事项的实施清单名称（示例）", dept, "")
             for i in range(rows)]
    csv_path = OUT / f"services-{rows}.csv"
    with open(csv_path, "w", encoding="gbk", newline="") as f:
        f.write(",".join(HEADER) + "\r\n")
        for line in lines:
            f.write(",".join(line) + "\r\n")
    xlsx_path = OUT / f"services-{rows}.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("事项清单")
    sheet.append(HEADER)
    for line in lines:
        sheet.append(list(line))
    book.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def child(mode: str, path: str) -> None:
    """One measured run; prints a JSON line with seconds and peak RSS."""
    started = time.perf_counter()
    if mode == "baseline":
        if path.endswith(".csv"):
            import csv

            with open(path, encoding="gb18030", newline="") as f:
                n = sum(1 for _ in csv.reader(f))
        else:
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            n = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
            book.close()
        result = {"rows": n}
    else:
        from kiosk import create_app
        from kiosk.departments.imports import run_import
        from kiosk.extensions import db
        from kiosk.seed import seed_demo

        db_dir = OUT / f"hall-{mode}-{Path(path).suffix[1:]}"
        db_dir.mkdir(exist_ok=True)
        (db_dir / "hall.db").unlink(missing_ok=True)
        app = create_app({"INSTANCE_PATH": str(db_dir), "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_dir / 'hall.db'}"})
        with app.app_context():
            db.create_all()
            seed_demo()
            started = time.perf_counter()
            report = run_import("services", path, dry_run=(mode == "dry"), actor="bench")
            assert report.ok and report.created > 0, report.errors[:3]
            result = {"rows": report.rows, "created": report.created}
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    files = make_files(args.rows)
    print(f"file system of {OUT}: " + subprocess.run(
        ["df", "-T", str(OUT)], capture_output=True, text=True).stdout.splitlines()[-1])
    print(f"cpus {os.cpu_count()}; shared machine: other processes run beside this")
    summary = []
    for fmt, path in files.items():
        base = measure("baseline", path)
        for mode in ("dry", "write"):
            got = measure(mode, path)
            ratio = got["seconds"] / base["seconds"]
            print(f"{fmt:4} {mode:5} rows={got['rows']} {got['seconds']:.2f}s "
                  f"peak_rss={got['peak_rss_mb']:.0f}MB | baseline read {base['seconds']:.2f}s "
                  f"peak_rss={base['peak_rss_mb']:.0f}MB | time ratio {ratio:.1f}x "
                  f"({path.stat().st_size / 1e6:.1f} MB file)")
            summary.append(f"{fmt}_{mode}_s={got['seconds']:.2f} {fmt}_{mode}_rss_mb="
                           f"{got['peak_rss_mb']:.0f} {fmt}_{mode}_ratio={ratio:.1f}")
    print("BENCH imports " + " ".join(summary))


if __name__ == "__main__":
    main()
