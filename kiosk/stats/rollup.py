"""Rollups of non-excluded ratings (tables in kiosk/models/cases.py), read by the statistics
instead of scanning millions of ratings:

- rating_daily: day × window × staff × service, counts per level (staff/service tables
  of one window);
- rating_window_day: window × day, counts per level, window 0 = the hall (totals, trends,
  window tables, the wall screen);
- rating_hourly: window × day × hour, ratings and 差评, window 0 = the hall (heatmap);
- rating_facet_day: day × department × facet value (department, window, staff, service
  item, channel, reason), counts per level and default ratings (breakdowns, quarterly
  report, flags);
- rating_window_facet_day: window × day × facet value (total, department, staff, service
  item, channel, reason), counts per level and default ratings (one window's breakdowns, every window's
  totals);
- invitation_facet_day: day of invitation × its department or its window, invitations and
  how many got a counted rating (评价覆盖率).

Maintained incrementally: add_rating() by the ratings service in the rating's own write
transaction, remove_rating() in the transaction that excludes a rating (误评/恶意),
count_invitation() when an invitation is made, offered again elsewhere or answered;
rebuild() recomputes them from the ratings and invitations (`flask --app wsgi stats
rebuild`).
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kiosk.db_statements import Statement
from kiosk.ratings.levels import is_bad
from kiosk.timeutil import to_local

HALL = 0
NONE = 0  # no staff / service item / department
_LEVELS = "n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, " \
          "n4 = n4 + excluded.n4, n5 = n5 + excluded.n5"
# Built once: this runs on the ratings hot path (see kiosk/db_statements.py).
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
_UPSERT_WINDOW_FACET = Statement(
    "INSERT INTO rating_window_facet_day (facet, window_id, day, key, n1, n2, n3, n4, n5, "
    "n_default) VALUES (:facet, :window_id, :day, :key, :n1, :n2, :n3, :n4, :n5, "
    ":n_default) ON CONFLICT (facet, window_id, day, key) DO UPDATE SET "
    f"{_LEVELS}, n_default = n_default + excluded.n_default"
)
# Hall-local time of a naive-UTC column, in SQL (China has no DST: a fixed +8 h).
LOCAL = "datetime(rated_at, '+8 hours')"
# An invitation's department: its item's, else its window's (as for the rating it gets).
_INVITATION_FACETS = {"department": "coalesce(si.department_id, w.department_id, 0)",
                      "window": "i.window_id"}
_INVITATION_FROM = ("FROM invitation i JOIN window w ON w.id = i.window_id "
                    "LEFT JOIN service_item si ON si.id = i.service_id")
_INVITATION_DAY = "date(datetime(i.invited_at, '+8 hours'))"
_INSERT_INVITATION = "INSERT INTO invitation_facet_day (facet, day, key, invited, rated) "
_UPSERT_INVITATION = Statement(
    _INSERT_INVITATION + " UNION ALL ".join(
        f"SELECT '{facet}', {_INVITATION_DAY}, {key}, :invited, :rated {_INVITATION_FROM} "
        "WHERE i.id = :id" for facet, key in _INVITATION_FACETS.items())
    + " ON CONFLICT (facet, day, key) DO UPDATE SET "
    "invited = invited + excluded.invited, rated = rated + excluded.rated"
)


def count_invitation(conn, invitation_id: int, *, invited: int = 0, rated: int = 0) -> None:
    """Adds to the invitation's day rows (its department's, its window's) as it stands now:
    +1 invited
    when it is made, −1/+1 around offering it again at another window or time, +1 rated
    when a rating answers it."""
    _UPSERT_INVITATION.run(conn, {"id": invitation_id, "invited": invited, "rated": rated})


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

    def window_facet_keys(self) -> list[tuple[str, str]]:
        return [("total", ""), *(k for k in self.facet_keys() if k[0] != "window")]

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
    _UPSERT_WINDOW_FACET.run_many(conn, [
        {"facet": facet, "window_id": facts.window_id, "day": day, "key": key, **counts,
         "n_default": n_default} for facet, key in facts.window_facet_keys()])


def add_rating(conn, facts: Facts) -> None:
    """Counts a new rating, in its own write transaction."""
    _apply(conn, facts, 1)


_RATING_FACTS = sa.text(
    "SELECT level, rated_at, window_id, staff_id, service_id, department_id, channel, "
    "is_default, reasons, invitation_id FROM rating WHERE id = :id"
).columns(rated_at=sa.DateTime(), is_default=sa.Boolean(), reasons=sa.JSON()).bindparams(
    sa.bindparam("id", type_=sa.Uuid()))


def remove_rating(conn, rating_id) -> None:
    """Takes a rating out of every rollup (and its invitation out of 评价覆盖率): call it in
    the transaction that excludes it."""
    row = conn.execute(_RATING_FACTS, {"id": rating_id}).one()
    _apply(conn, Facts(*row[:8], reasons=tuple(row[8] or ())), -1)
    if row[9] is not None:
        count_invitation(conn, row[9], invited=-1, rated=-1)


_LEVEL_SUMS = "sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4), sum(level = 5)"
_COUNTED = "FROM rating WHERE NOT excluded"
_FACET_KEYS = {
    "department": "cast(coalesce(department_id, 0) AS TEXT)",
    "window": "cast(window_id AS TEXT)",
    "staff": "cast(coalesce(staff_id, 0) AS TEXT)",
    "service": "cast(coalesce(service_id, 0) AS TEXT)",
    "channel": "channel",
}

_WINDOW_FACET_KEYS = {"total": "''", **{k: v for k, v in _FACET_KEYS.items() if k != "window"}}


def rebuild(conn) -> None:
    """Recomputes every rollup from the ratings, in the caller's write transaction
    (SQLite, the hall's database)."""
    for table in ("rating_daily", "rating_window_day", "rating_hourly", "rating_facet_day",
                  "rating_window_facet_day", "invitation_facet_day"):
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
    insert_window = ("INSERT INTO rating_window_facet_day (facet, window_id, day, key, n1, n2, "
                     "n3, n4, n5, n_default) ")
    for facet, key in _WINDOW_FACET_KEYS.items():
        conn.execute(sa.text(
            f"{insert_window} SELECT '{facet}', window_id, date({LOCAL}), {key}, "
            f"{_LEVEL_SUMS}, sum(is_default) {_COUNTED} GROUP BY 2, 3, 4"
        ))
    conn.execute(sa.text(
        f"{insert_window} SELECT 'reason', window_id, date({LOCAL}), j.value, {_LEVEL_SUMS}, "
        "sum(is_default) FROM rating, json_each(rating.reasons) j WHERE NOT excluded "
        "GROUP BY 2, 3, 4"
    ))
    # An invitation whose rating was excluded counts in neither column.
    for facet, key in _INVITATION_FACETS.items():
        conn.execute(sa.text(
            f"{_INSERT_INVITATION} SELECT '{facet}', {_INVITATION_DAY}, {key}, count(*), "
            "sum(i.status IN ('rated', 'defaulted')) "
            f"{_INVITATION_FROM} WHERE NOT EXISTS (SELECT 1 FROM rating r "
            "WHERE r.invitation_id = i.id AND r.excluded) GROUP BY 2, 3"
        ))
