"""Rollups of non-excluded ratings (tables in kiosk/models/cases.py), read by the statistics
instead of scanning millions of ratings:

- rating_daily: day × window × staff × service, counts per level (staff/service tables
  of one window);
- rating_window_day: window × day, counts per level, window 0 = the hall (totals, trends,
  window tables, the wall screen);
- rating_hourly: window × day × hour, ratings and 差评, window 0 = the hall (heatmap);
- rating_facet_day: day × department × facet value (department, window, staff, service
  item, channel, reason), counts per level and default ratings (breakdowns, quarterly
  report, flags).

Maintained incrementally: add_rating() by the ratings service in the rating's own write
transaction, remove_rating() in the transaction that excludes a rating (误评/恶意);
rebuild() recomputes them from the ratings (`flask --app wsgi stats rebuild`).
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kiosk.ratings.levels import is_bad
from kiosk.ratings.statements import Statement
from kiosk.timeutil import to_local

HALL = 0
NONE = 0  # no staff / service item / department
_LEVELS = "n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, " \
          "n4 = n4 + excluded.n4, n5 = n5 + excluded.n5"
# Built once: this runs on the ratings hot path (see kiosk/ratings/statements.py).
_UPSERT_DAILY = Statement(
    "INSERT INTO rating_daily (day, window_id, staff_id, service_id, n1, n2, n3, n4, n5) "
    "VALUES (:day, :window_id, :staff_id, :service_id, :n1, :n2, :n3, :n4, :n5) "
    f"ON CONFLICT (day, window_id, staff_id, service_id) DO UPDATE SET {_LEVELS}"
)
_UPSERT_WINDOW_DAY = Statement(
    "INSERT INTO rating_window_day (window_id, day, n1, n2, n3, n4, n5) "
    "VALUES (:window_id, :day, :n1, :n2, :n3, :n4, :n5) "
    f"ON CONFLICT (window_id, day) DO UPDATE SET {_LEVELS}"
)
_UPSERT_HOURLY = Statement(
    "INSERT INTO rating_hourly (window_id, day, hour, n, n_bad) "
    "VALUES (:window_id, :day, :hour, :n, :n_bad) "
    "ON CONFLICT (window_id, day, hour) DO UPDATE SET "
    "n = n + excluded.n, n_bad = n_bad + excluded.n_bad"
)
_UPSERT_FACET = Statement(
    "INSERT INTO rating_facet_day (facet, day, department_id, key, n1, n2, n3, n4, n5, "
    "n_default) VALUES (:facet, :day, :department_id, :key, :n1, :n2, :n3, :n4, :n5, "
    ":n_default) ON CONFLICT (facet, day, department_id, key) DO UPDATE SET "
    f"{_LEVELS}, n_default = n_default + excluded.n_default"
)
# Hall-local time of a naive-UTC column, in SQL (China has no DST: a fixed +8 h).
LOCAL = "datetime(rated_at, '+8 hours')"


@dataclass(frozen=True)
class Facts:
    """What the rollups need to know about one rating."""

    level: int
    rated_at: datetime  # naive UTC
    window_id: int
    staff_id: int | None
    service_id: int | None
    department_id: int | None
    channel: str
    is_default: bool
    reasons: tuple[str, ...] = ()

    def facet_keys(self) -> list[tuple[str, str]]:
        return [("department", str(self.department_id or NONE)),
                ("window", str(self.window_id)),
                ("staff", str(self.staff_id or NONE)),
                ("service", str(self.service_id or NONE)),
                ("channel", self.channel),
                *(("reason", code) for code in self.reasons)]


def _apply(conn, facts: Facts, sign: int) -> None:
    local = to_local(facts.rated_at)
    day = local.strftime("%Y-%m-%d")
    counts = {f"n{lv}": (sign if lv == facts.level else 0) for lv in range(1, 6)}
    _UPSERT_DAILY.run(conn, {"day": day, "window_id": facts.window_id,
                             "staff_id": facts.staff_id or NONE,
                             "service_id": facts.service_id or NONE, **counts})
    _UPSERT_WINDOW_DAY.run_many(conn, [{"window_id": w, "day": day, **counts}
                                       for w in (facts.window_id, HALL)])
    bad = sign if is_bad(facts.level) else 0
    _UPSERT_HOURLY.run_many(conn, [{"window_id": w, "day": day, "hour": local.hour, "n": sign,
                                    "n_bad": bad} for w in (facts.window_id, HALL)])
    department = facts.department_id or NONE
    n_default = sign if facts.is_default else 0
    _UPSERT_FACET.run_many(conn, [
        {"facet": facet, "day": day, "department_id": department, "key": key, **counts,
         "n_default": n_default} for facet, key in facts.facet_keys()])


def add_rating(conn, facts: Facts) -> None:
    """Counts a new rating, in its own write transaction."""
    _apply(conn, facts, 1)


_RATING_FACTS = sa.text(
    "SELECT level, rated_at, window_id, staff_id, service_id, department_id, channel, "
    "is_default, reasons FROM rating WHERE id = :id"
).columns(rated_at=sa.DateTime(), is_default=sa.Boolean(), reasons=sa.JSON()).bindparams(
    sa.bindparam("id", type_=sa.Uuid()))


def facts_of(conn, rating_id) -> Facts:
    row = conn.execute(_RATING_FACTS, {"id": rating_id}).one()
    return Facts(*row[:-1], reasons=tuple(row[-1] or ()))


def remove_rating(conn, rating_id) -> None:
    """Takes a rating out of every rollup: call it in the transaction that excludes it."""
    _apply(conn, facts_of(conn, rating_id), -1)


_LEVEL_SUMS = "sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4), sum(level = 5)"
_COUNTED = "FROM rating WHERE NOT excluded"
_FACET_KEYS = {
    "department": "cast(coalesce(department_id, 0) AS TEXT)",
    "window": "cast(window_id AS TEXT)",
    "staff": "cast(coalesce(staff_id, 0) AS TEXT)",
    "service": "cast(coalesce(service_id, 0) AS TEXT)",
    "channel": "channel",
}


def rebuild(conn) -> None:
    """Recomputes every rollup from the ratings, in the caller's write transaction
    (SQLite, the hall's database)."""
    for table in ("rating_daily", "rating_window_day", "rating_hourly", "rating_facet_day"):
        conn.execute(sa.text(f"DELETE FROM {table}"))
    conn.execute(sa.text(
        "INSERT INTO rating_daily (day, window_id, staff_id, service_id, n1, n2, n3, n4, n5) "
        f"SELECT date({LOCAL}), window_id, coalesce(staff_id, 0), coalesce(service_id, 0), "
        f"{_LEVEL_SUMS} {_COUNTED} GROUP BY 1, 2, 3, 4"
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
        f"count(*), sum(level >= 4) {_COUNTED} GROUP BY 1, 2, 3"
    ))
    conn.execute(sa.text(
        "INSERT INTO rating_hourly (window_id, day, hour, n, n_bad) "
        "SELECT 0, day, hour, sum(n), sum(n_bad) FROM rating_hourly GROUP BY 2, 3"
    ))
    insert_facet = ("INSERT INTO rating_facet_day (facet, day, department_id, key, n1, n2, "
                    "n3, n4, n5, n_default) ")
    for facet, key in _FACET_KEYS.items():
        conn.execute(sa.text(
            f"{insert_facet} SELECT '{facet}', date({LOCAL}), coalesce(department_id, 0), "
            f"{key}, {_LEVEL_SUMS}, sum(is_default) {_COUNTED} GROUP BY 2, 3, 4"
        ))
    conn.execute(sa.text(
        f"{insert_facet} SELECT 'reason', date({LOCAL}), coalesce(department_id, 0), "
        f"j.value, {_LEVEL_SUMS}, sum(is_default) FROM rating, json_each(rating.reasons) j "
        "WHERE NOT excluded GROUP BY 2, 3, 4"
    ))
