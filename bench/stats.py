"""Statistics and rankings pages over 5,000,000 ratings (50 windows, 2 years).

Fills a temporary SQLite instance with one INSERT … SELECT over a recursive counter (the
rows are made inside SQLite: far faster than executemany from Python), opens a 差评 case
for every 差评, builds the daily/hourly rollups once (afterwards the ratings hook keeps
them), then times ~20 requests each through the Flask test client, logged in as a manager.

The pages read the rollups (rating_daily: day × window × staff × service, with counts per
level; rating_hourly: day × hour × window), not the ratings: a plain GROUP BY over 5 M
ratings takes seconds in SQLite.

Target p95 ≤ 300 ms. Last line: BENCH stats stats_p50_ms=… stats_p95_ms=…
rankings_p50_ms=… rankings_p95_ms=…
"""
import argparse
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import create_app  # noqa: E402
from kiosk.auth.passwords import hash_password  # noqa: E402
from kiosk.db_setup import write_transaction  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import ServiceItem, Staff, User, Window  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.seed import ensure_base  # noqa: E402
from kiosk.stats import rollup  # noqa: E402
from kiosk.timeutil import to_local  # noqa: E402

WINDOWS = 50
SERVICES = 10
DAYS = 730
PASSWORD = "bench-stats-1"

# Hall hours 08:00–17:00 local = 00:00–09:00 UTC, so the UTC day of day_start is right.
FILL = """
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < :n - 1)
INSERT INTO rating (id, level, scale, channel, window_id, staff_id, service_id, reasons,
                    comment, rated_at, created_at, uninvited, is_default, excluded)
SELECT printf('%032x', i), lv, 5, 'evaluator', w, w, CASE WHEN w % 3 = 0 THEN NULL
       ELSE (w % :services) + 1 END, '[]', '', t, t, abs(random()) % 5 = 0, 0, 0
FROM (
  SELECT i,
         CASE WHEN abs(random()) % 100 < 55 THEN 1 WHEN abs(random()) % 100 < 70 THEN 2
              WHEN abs(random()) % 100 < 80 THEN 3 WHEN abs(random()) % 2 = 0 THEN 4
              ELSE 5 END AS lv,
         ((i * 2654435761) % 4294967291) % :windows + 1 AS w,  -- random() would be re-evaluated per use
         strftime('%Y-%m-%d %H:%M:%S', :start + (i * :days / :n) * 86400
                  + abs(random()) % 32400, 'unixepoch') || '.000000' AS t
  FROM c
)
"""
CASES = """
INSERT INTO bad_case (rating_id, rated_at, window_id, real_name, status, registered_at, due_at, original_due_at,
                      appeal_status, done_at, revisited_at, closed_at)
SELECT id, rated_at, window_id, 0, CASE WHEN rated_at < :recent THEN 'closed' ELSE 'assigned' END, rated_at,
       datetime(rated_at, '+21 days') || '.000000', datetime(rated_at, '+21 days') || '.000000',
       'none',
       CASE WHEN rated_at < :recent THEN datetime(rated_at, '+' || (abs(random()) % 25)
            || ' days') || '.000000' END,
       NULL, CASE WHEN rated_at < :recent THEN rated_at END
FROM rating WHERE level >= 4
"""


def fill(app, n: int) -> None:
    with app.app_context():
        ensure_base("基准测试大厅")
        for i in range(1, SERVICES + 1):
            db.session.add(ServiceItem(id=i, code=f"S{i:05d}", name=f"事项{i}"))
        for i in range(1, WINDOWS + 1):
            db.session.add(Staff(id=i, staff_no=f"B{i:04d}", name=f"人员{i}"))
            db.session.add(Window(id=i, code=f"W{i:02d}", name=f"窗口{i}", staff_id=i))
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
                       "services": SERVICES})
    recent = (datetime.combine(today, datetime.min.time()) - timedelta(days=30)).isoformat(" ")
    con.execute(CASES, {"recent": recent})
    con.commit()
    print(f"filled {n:,} ratings in {time.perf_counter() - t:.1f} s", flush=True)
    con.close()
    with app.app_context():
        t = time.perf_counter()
        with write_transaction(db.session()) as conn:
            rollup.rebuild(conn)
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"rollups built in {time.perf_counter() - t:.1f} s", flush=True)


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
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ratings", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/hall.db"})
        with app.app_context():
            db.create_all()
        fill(app, args.ratings)
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        r = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                        "csrf_token": token})
        assert r.status_code == 302
        today = to_local(utcnow()).date()
        year = f"from={today - timedelta(days=364)}&to={today}"
        full = f"from={today - timedelta(days=DAYS - 1)}&to={today}"
        results = {}
        for name, url in [
            ("stats_month", "/admin/stats"),
            ("stats_year_by_window", f"/admin/stats?{year}&by=window"),
            ("stats_2y_by_day", f"/admin/stats?{full}&by=day"),
            ("rankings_month", "/admin/stats/rankings"),
            ("rankings_2y_by_staff", f"/admin/stats/rankings?{full}&by=staff"),
        ]:
            results[name] = timed(client, url, args.requests)
            p50, p95 = results[name]
            print(f"{name:24s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({url})", flush=True)
        # Headline: the heaviest of each (two years of data in one page).
        s50, s95 = results["stats_2y_by_day"]
        r50, r95 = results["rankings_2y_by_staff"]
        print(f"BENCH stats stats_p50_ms={s50:.1f} stats_p95_ms={s95:.1f} "
              f"rankings_p50_ms={r50:.1f} rankings_p95_ms={r95:.1f}")


if __name__ == "__main__":
    main()
