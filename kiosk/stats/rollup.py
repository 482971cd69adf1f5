"""Rollups of non-excluded ratings (tables in kiosk/models/cases.py), read by the statistics
instead of scanning millions of ratings:

- rating_daily: day × window × staff × service, counts per level (staff/service tables);
- rating_window_day: window × day, counts per level, window 0 = the hall (totals, trends,
  window tables);
- rating_hourly: window × day × hour, ratings and 差评, window 0 = the hall (heatmap).

Maintained incrementally: add_rating() in the rating's own write transaction,
remove_rating() in the transaction that excludes a rating after an accepted appeal;
rebuild() recomputes them from the ratings (after an import, or to check them).
"""
import sqlalchemy as sa

from kiosk.ratings.levels import is_bad
from kiosk.ratings.statements import Statement
from kiosk.timeutil import to_local

HALL = 0
# Built once: this runs on the ratings hot path (see kiosk/ratings/statements.py).
_UPSERT_DAILY = Statement(
    "INSERT INTO rating_daily (day, window_id, staff_id, service_id, n1, n2, n3, n4, n5) "
    "VALUES (:day, :window_id, :staff_id, :service_id, :n1, :n2, :n3, :n4, :n5) "
    "ON CONFLICT (day, window_id, staff_id, service_id) DO UPDATE SET "
    "n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, "
    "n4 = n4 + excluded.n4, n5 = n5 + excluded.n5"
)
_UPSERT_WINDOW_DAY = Statement(
    "INSERT INTO rating_window_day (window_id, day, n1, n2, n3, n4, n5) "
    "VALUES (:window_id, :day, :n1, :n2, :n3, :n4, :n5) "
    "ON CONFLICT (window_id, day) DO UPDATE SET "
    "n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, "
    "n4 = n4 + excluded.n4, n5 = n5 + excluded.n5"
)
_UPSERT_HOURLY = Statement(
    "INSERT INTO rating_hourly (window_id, day, hour, n, n_bad) "
    "VALUES (:window_id, :day, :hour, :n, :n_bad) "
    "ON CONFLICT (window_id, day, hour) DO UPDATE SET "
    "n = n + excluded.n, n_bad = n_bad + excluded.n_bad"
)
# Hall-local time of a naive-UTC column, in SQL (China has no DST: a fixed +8 h).
LOCAL = "datetime(rated_at, '+8 hours')"


def _apply(conn, *, level, rated_at, window_id, staff_id, service_id, sign: int) -> None:
    local = to_local(rated_at)
    day = local.strftime("%Y-%m-%d")
    counts = {f"n{lv}": (sign if lv == level else 0) for lv in range(1, 6)}
    _UPSERT_DAILY.run(conn, {"day": day, "window_id": window_id, "staff_id": staff_id or 0,
                             "service_id": service_id or 0, **counts})
    _UPSERT_WINDOW_DAY.run_many(conn, [{"window_id": w, "day": day, **counts}
                                       for w in (window_id, HALL)])
    bad = sign if is_bad(level) else 0
    _UPSERT_HOURLY.run_many(conn, [{"window_id": w, "day": day, "hour": local.hour, "n": sign,
                                    "n_bad": bad} for w in (window_id, HALL)])


def add_rating(conn, **facts) -> None:
    _apply(conn, sign=1, **facts)


def remove_rating(conn, **facts) -> None:
    _apply(conn, sign=-1, **facts)


_LEVEL_SUMS = "sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4), sum(level = 5)"


def rebuild(conn) -> None:
    """Recomputes every rollup from the ratings, in the caller's write transaction."""
    for table in ("rating_daily", "rating_window_day", "rating_hourly"):
        conn.execute(sa.text(f"DELETE FROM {table}"))
    conn.execute(sa.text(
        "INSERT INTO rating_daily (day, window_id, staff_id, service_id, n1, n2, n3, n4, n5) "
        f"SELECT date({LOCAL}), window_id, coalesce(staff_id, 0), coalesce(service_id, 0), "
        f"{_LEVEL_SUMS} FROM rating WHERE NOT excluded GROUP BY 1, 2, 3, 4"
    ))
    conn.execute(sa.text(
        "INSERT INTO rating_window_day (window_id, day, n1, n2, n3, n4, n5) "
        "SELECT window_id, day, sum(n1), sum(n2), sum(n3), sum(n4), sum(n5) "
        "FROM rating_daily GROUP BY 1, 2 UNION ALL "
        "SELECT 0, day, sum(n1), sum(n2), sum(n3), sum(n4), sum(n5) FROM rating_daily "
        "GROUP BY 2"
    ))
    conn.execute(sa.text(
        "INSERT INTO rating_hourly (window_id, day, hour, n, n_bad) "
        f"SELECT window_id, date({LOCAL}), cast(strftime('%H', {LOCAL}) AS INTEGER), "
        "count(*), sum(level >= 4) FROM rating WHERE NOT excluded GROUP BY 1, 2, 3"
    ))
    conn.execute(sa.text(
        "INSERT INTO rating_hourly (window_id, day, hour, n, n_bad) "
        "SELECT 0, day, hour, sum(n), sum(n_bad) FROM rating_hourly GROUP BY 2, 3"
    ))
