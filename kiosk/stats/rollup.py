"""Daily and hourly rollups of non-excluded ratings (tables in kiosk/models/cases.py).

The statistics read these instead of scanning millions of ratings. They are maintained
incrementally: add_rating() in the rating's own write transaction, remove_rating() in the
transaction that excludes a rating after an accepted appeal; rebuild() recomputes them
from the ratings (after an import, or to verify them).
"""
import sqlalchemy as sa

from kiosk.ratings.levels import is_bad
from kiosk.timeutil import to_local

# Built once: this runs on the ratings hot path.
_UPSERT_DAILY = sa.text(
    "INSERT INTO rating_daily (day, window_id, staff_id, service_id, n1, n2, n3, n4, n5) "
    "VALUES (:day, :window_id, :staff_id, :service_id, :n1, :n2, :n3, :n4, :n5) "
    "ON CONFLICT (day, window_id, staff_id, service_id) DO UPDATE SET "
    "n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, "
    "n4 = n4 + excluded.n4, n5 = n5 + excluded.n5"
)
_UPSERT_HOURLY = sa.text(
    "INSERT INTO rating_hourly (day, hour, window_id, n, n_bad) "
    "VALUES (:day, :hour, :window_id, :n, :n_bad) "
    "ON CONFLICT (day, hour, window_id) DO UPDATE SET "
    "n = n + excluded.n, n_bad = n_bad + excluded.n_bad"
)
# Hall-local time of a naive-UTC column, in SQL (China has no DST: a fixed +8 h).
LOCAL = "datetime(rated_at, '+8 hours')"


def _apply(conn, *, level, rated_at, window_id, staff_id, service_id, sign: int) -> None:
    local = to_local(rated_at)
    day = local.strftime("%Y-%m-%d")
    counts = {f"n{lv}": (sign if lv == level else 0) for lv in range(1, 6)}
    conn.execute(_UPSERT_DAILY, {"day": day, "window_id": window_id,
                                 "staff_id": staff_id or 0, "service_id": service_id or 0,
                                 **counts})
    conn.execute(_UPSERT_HOURLY, {"day": day, "hour": local.hour, "window_id": window_id,
                                  "n": sign, "n_bad": sign if is_bad(level) else 0})


def add_rating(conn, **facts) -> None:
    _apply(conn, sign=1, **facts)


def remove_rating(conn, **facts) -> None:
    _apply(conn, sign=-1, **facts)


def rebuild(conn) -> None:
    """Recomputes both rollups from the ratings, in the caller's write transaction."""
    conn.execute(sa.text("DELETE FROM rating_daily"))
    conn.execute(sa.text("DELETE FROM rating_hourly"))
    conn.execute(sa.text(
        "INSERT INTO rating_daily (day, window_id, staff_id, service_id, n1, n2, n3, n4, n5) "
        f"SELECT date({LOCAL}), window_id, coalesce(staff_id, 0), coalesce(service_id, 0), "
        "sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4), sum(level = 5) "
        "FROM rating WHERE NOT excluded GROUP BY 1, 2, 3, 4"
    ))
    conn.execute(sa.text(
        "INSERT INTO rating_hourly (day, hour, window_id, n, n_bad) "
        f"SELECT date({LOCAL}), cast(strftime('%H', {LOCAL}) AS INTEGER), window_id, "
        "count(*), sum(level >= 4) FROM rating WHERE NOT excluded GROUP BY 1, 2, 3"
    ))
