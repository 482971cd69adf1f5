"""Statistics pages and the quarterly report over 5,000,000 ratings (40 departments,
50 windows, 80 service items, 2 years), on disk.

Fills a SQLite instance (under instance/bench-stats of the checkout: a real disk, not the
tmpfs /tmp may be) with one INSERT … SELECT over a recursive counter (the rows are made
inside SQLite: far faster than executemany from Python): ratings by every channel with
their responsible department and reasons, an invitation for every invited rating, a 差评
case for every 差评; then builds the rollups with the shipped `stats rebuild` code, and
times ~20 requests each through the Flask test client, logged in as a manager.

The pages read the rollups (kiosk/stats/rollup.py), not the ratings. Baseline, in the same
run: the per-department figures of one quarter as a plain GROUP BY over the ratings (what
the page would cost without the rollups); the ratio page / baseline is printed.

Target p95 ≤ 300 ms. Last line: BENCH stats stats_p95_ms=… rankings_p95_ms=…
dept_p95_ms=… report_p95_ms=… (and p50s, the baseline and the ratios).
"""
import argparse
import math
import re
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import create_app  # noqa: E402
from kiosk.auth.passwords import hash_password  # noqa: E402
from kiosk.db_setup import write_transaction  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import Department, ServiceItem, Staff, User, Window  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.seed import ensure_base  # noqa: E402
from kiosk.stats import case_rollup, rollup  # noqa: E402
from kiosk.stats.report import Quarter  # noqa: E402
from kiosk.timeutil import to_local  # noqa: E402

DEPARTMENTS = 40
WINDOWS = 50
SERVICES = 80
DAYS = 730
DATA_DIR = ROOT / "bench" / "_runs" / "stats"
PASSWORD = "bench-stats-1"

# Hall hours 08:00–17:00 local = 00:00–09:00 UTC, so the UTC day of day_start is right.
# Window w belongs to department (w % 40) + 1, item k to department (k % 40) + 1; a rating's
# department is its item's, else its window's. About 10 % are default ratings, 20 % are
# uninvited (QR), every 差评 has a reason.
FILL = """
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < :n - 1)
INSERT INTO rating (id, level, scale, channel, window_id, staff_id, service_id,
                    department_id, reasons, comment, rated_at, created_at, uninvited,
                    is_default, excluded)
SELECT printf('%032x', i), lv, 5,
       CASE WHEN kind = 0 THEN 'default' WHEN kind = 1 THEN 'qr'
            WHEN kind < 5 THEN 'evaluator' ELSE 'touch' END,
       w, w, svc, coalesce((svc % :departments) + 1, (w % :departments) + 1),
       CASE WHEN lv >= 4 THEN '["R0' || (i % 6 + 1) || '"]' ELSE '[]' END, '', t, t,
       kind = 1, kind = 0, 0
FROM (
  SELECT i, CASE WHEN x.kind = 0 THEN 3 ELSE x.lv END AS lv, x.kind, x.w, x.t,
         CASE WHEN x.w % 3 = 0 THEN NULL ELSE ((i * 7 + x.w) % :services) + 1 END AS svc
  FROM (
    SELECT i,
           CASE WHEN abs(random()) % 100 < 55 THEN 1 WHEN abs(random()) % 100 < 70 THEN 2
                WHEN abs(random()) % 100 < 80 THEN 3 WHEN abs(random()) % 2 = 0 THEN 4
                ELSE 5 END AS lv,
           (i * 40503) % 10 AS kind,
           ((i * 2654435761) % 4294967291) % :windows + 1 AS w,  -- random() would be re-evaluated per use
           strftime('%Y-%m-%d %H:%M:%S', :start + (i * :days / :n) * 86400
                    + abs(random()) % 32400, 'unixepoch') || '.000000' AS t
    FROM c
  ) x
)
"""
INVITATIONS = """
INSERT INTO invitation (case_no, window_id, service_id, staff_id, invited_at, screen_until,
                        expires_at, status)
SELECT id, window_id, service_id, staff_id, rated_at, rated_at, rated_at,
       CASE WHEN is_default THEN 'defaulted' ELSE 'rated' END
FROM rating WHERE NOT uninvited
"""
# A deadline is the end of a hall-local day (as kiosk/cases/deadlines.py sets it): 21 days on.
DUE = ("datetime(date(rated_at, '+8 hours', '+21 days'), '+86399 seconds', '-8 hours') "
       "|| '.000000'")
CASES = """
INSERT INTO bad_case (rating_id, rated_at, window_id, real_name, status, registered_at, due_at, original_due_at,
                      appeal_status, done_at, revisited_at, closed_at, department_id)
SELECT id, rated_at, window_id, 0, CASE WHEN rated_at < :recent THEN 'closed' ELSE 'assigned' END, rated_at,
       due, due,
       'none',
       CASE WHEN rated_at < :recent THEN datetime(rated_at, '+' || (abs(random()) % 25)
            || ' days') || '.000000' END,
       NULL, CASE WHEN rated_at < :recent THEN rated_at END, department_id
FROM (SELECT *, {DUE} AS due FROM rating WHERE level >= 4)
"""
DEADLINES = """
INSERT INTO case_deadline (case_id, due_at, effective_at, set_by)
SELECT id, due_at, registered_at, 'system' FROM bad_case
"""
# Baseline: one quarter's per-department figures straight from the ratings.
RAW_DEPARTMENTS = """
SELECT department_id, sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4),
       sum(level = 5), sum(is_default)
FROM rating WHERE NOT excluded AND rated_at >= :start AND rated_at < :end GROUP BY 1
"""


def fill(app, n: int) -> None:
    with app.app_context():
        ensure_base("基准测试大厅")
        for i in range(1, DEPARTMENTS + 1):
            # Credit codes need not pass the checksum here: the bench writes rows directly.
            db.session.add(Department(id=i, name=f"部门{i:02d}", credit_code=f"B{i:017d}",
                                      region_code="530102"))
        for i in range(1, SERVICES + 1):
            db.session.add(ServiceItem(id=i, code=f"S{i:05d}", name=f"事项{i}",
                                       department_id=(i % DEPARTMENTS) + 1))
        for i in range(1, WINDOWS + 1):
            db.session.add(Staff(id=i, staff_no=f"B{i:04d}", name=f"人员{i}"))
            db.session.add(Window(id=i, code=f"W{i:02d}", name=f"窗口{i}", staff_id=i,
                                  department_id=(i % DEPARTMENTS) + 1))
        db.session.add(User(username="bench", password_hash=hash_password(PASSWORD),
                            role="manager", display_name="bench"))
        db.session.commit()
        path = db.engine.url.database
        db.engine.dispose()
    today = to_local(utcnow()).date()
    first = today - timedelta(days=DAYS - 1)
    start = int((datetime.combine(first, datetime.min.time()) - datetime(1970, 1, 1))
                .total_seconds())
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    t = time.perf_counter()
    con.execute(FILL, {"n": n, "start": start, "days": DAYS, "windows": WINDOWS,
                       "services": SERVICES, "departments": DEPARTMENTS})
    con.execute(INVITATIONS)
    recent = (datetime.combine(today, datetime.min.time()) - timedelta(days=30)).isoformat(" ")
    con.execute(CASES.replace("{DUE}", DUE), {"recent": recent})
    con.execute(DEADLINES)
    con.commit()
    print(f"filled {n:,} ratings in {time.perf_counter() - t:.1f} s", flush=True)
    con.close()
    with app.app_context():
        t = time.perf_counter()
        with write_transaction(db.session()) as conn:
            rollup.rebuild(conn)
            case_rollup.rebuild(conn)
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"rollups built in {time.perf_counter() - t:.1f} s", flush=True)


def refresh(app) -> None:
    with app.app_context():
        t = time.perf_counter()
        db.create_all()
        for table in db.metadata.sorted_tables:
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        with write_transaction(db.session()) as conn:
            rollup.rebuild(conn)
            case_rollup.rebuild(conn)
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"schema and rollups refreshed in {time.perf_counter() - t:.1f} s", flush=True)


def timed(client, url: str, requests: int) -> tuple[float, float]:
    samples = []
    for i in range(requests + 2):
        t = time.perf_counter()
        r = client.get(url)
        elapsed = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (url, r.status_code)
        if i >= 2:  # two warm-ups
            samples.append(elapsed)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1,
                                                   math.ceil(len(samples) * 0.95) - 1)]


def baseline(app, quarter: Quarter, runs: int = 3) -> float:
    """Median ms of the per-department GROUP BY over the ratings themselves."""
    samples = []
    with app.app_context():
        period = quarter.period
        for _ in range(runs):
            t = time.perf_counter()
            db.session.execute(db.text(RAW_DEPARTMENTS).bindparams(
                db.bindparam("start", type_=db.DateTime), db.bindparam("end", type_=db.DateTime)),
                {"start": period.utc_start, "end": period.utc_end}).all()
            samples.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ratings", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=DATA_DIR,
                        help="where the database is made (a real disk, not tmpfs)")
    parser.add_argument("--keep", action="store_true", help="reuse a database made before")
    parser.add_argument("--refresh", action="store_true",
                        help="with --keep: add tables and indexes the code has since, and "
                             "rebuild the rollups (after a schema change)")
    parser.add_argument("--build-only", action="store_true",
                        help="make the database (kept) and stop before timing")
    args = parser.parse_args()
    tmp = args.dir.resolve()
    reuse = args.keep and (tmp / "hall.db").exists()
    if not reuse:
        shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        app = create_app({"INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/hall.db"})
        if not reuse:
            with app.app_context():
                db.create_all()
            fill(app, args.ratings)
        elif args.refresh:
            refresh(app)
        if args.build_only:
            return
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        r = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                        "csrf_token": token})
        assert r.status_code == 302
        today = to_local(utcnow()).date()
        year = f"from={today - timedelta(days=364)}&to={today}"
        full = f"from={today - timedelta(days=DAYS - 1)}&to={today}"
        # The last complete quarter: a full quarter of data, and one before it to compare.
        quarter = Quarter.containing(today).previous
        q = f"from={quarter.period.first}&to={quarter.period.last}"
        results = {}
        for name, url in [
            ("stats_month", "/admin/stats"),
            ("stats_year_by_window", f"/admin/stats?{year}&by=window"),
            ("stats_2y_by_day", f"/admin/stats?{full}&by=day"),
            ("rankings_month", "/admin/stats/rankings"),
            ("rankings_2y_by_staff", f"/admin/stats/rankings?{full}&by=staff"),
            ("dept_quarter", f"/admin/stats?{q}&by=department"),
            ("dept_2y", f"/admin/stats?{full}&by=department"),
            ("report_quarter", f"/admin/stats/report?quarter={quarter.label}"),
            ("report_quarter_xlsx", f"/admin/stats/report.xlsx?quarter={quarter.label}"),
        ]:
            results[name] = timed(client, url, args.requests)
            p50, p95 = results[name]
            print(f"{name:24s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({url})", flush=True)
        raw = baseline(app, quarter)
        print(f"{'baseline_raw_groupby':24s} p50 {raw:7.1f} ms  (one quarter by department "
              "straight from the ratings)", flush=True)
        # Headline: the heaviest of each (two years of data in one page).
        s50, s95 = results["stats_2y_by_day"]
        r50, r95 = results["rankings_2y_by_staff"]
        d50, d95 = results["dept_quarter"]
        q50, q95 = results["report_quarter"]
        print(f"ratio dept page / raw GROUP BY: {d50 / raw:.3f}; "
              f"report page / raw GROUP BY: {q50 / raw:.3f} (p50s)")
        print(f"BENCH stats stats_p50_ms={s50:.1f} stats_p95_ms={s95:.1f} "
              f"rankings_p50_ms={r50:.1f} rankings_p95_ms={r95:.1f} "
              f"dept_p50_ms={d50:.1f} dept_p95_ms={d95:.1f} "
              f"report_p50_ms={q50:.1f} report_p95_ms={q95:.1f} "
              f"baseline_raw_ms={raw:.1f} dept_vs_raw={d50 / raw:.3f} "
              f"report_vs_raw={q50 / raw:.3f}")
    finally:
        if not (args.keep or args.build_only):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
