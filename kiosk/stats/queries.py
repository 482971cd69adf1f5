"""Statistics in SQL: GROUP BY over the daily/hourly rollups (kiosk/stats/rollup.py) and
the case table. Python only divides the aggregated numbers."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.stats import indicators
from kiosk.stats.definitions import Period, wilson_lower_bound
from kiosk.stats.indicators import CaseCounts, Figures, RatingCounts

DIMENSIONS = ("hall", "window", "staff", "service", "day", "week", "month", "quarter")
RANK_DIMENSIONS = ("window", "staff", "service")

# Bucket expressions on rating_daily.day (already a hall-local YYYY-MM-DD).
_TIME_KEYS = {
    "day": "d.day",
    "week": "date(d.day, 'weekday 0', '-6 days')",  # the Monday of the week
    "month": "substr(d.day, 1, 7)",
    "quarter": "substr(d.day, 1, 4) || '-Q' || ((cast(substr(d.day, 6, 2) AS INTEGER) + 2) / 3)",
}
# Entity dimensions: key column, label expression, the join that gives the label.
_ENTITY_KEYS = {
    "hall": ("0", "(SELECT name FROM hall LIMIT 1)", ""),
    "window": ("d.window_id", "w.code || ' ' || w.name", "JOIN window w ON w.id = d.window_id"),
    "staff": ("d.staff_id", "coalesce(s.name || ' (' || s.staff_no || ')', '（未关联人员）')",
              "LEFT JOIN staff s ON s.id = d.staff_id"),
    "service": ("d.service_id", "coalesce(si.name, '（未关联事项）')",
                "LEFT JOIN service_item si ON si.id = d.service_id"),
}


@dataclass
class Row:
    key: str
    label: str
    counts: tuple[int, int, int, int, int]  # levels 1..5

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def good(self) -> int:
        return sum(self.counts[:3])

    @property
    def bad(self) -> int:
        return sum(self.counts[3:])

    @property
    def figures(self) -> Figures:
        return Figures(ratings=RatingCounts(*self.counts))

    @property
    def good_rate(self):
        return indicators.satisfaction(self.figures).value

    @property
    def bad_rate(self):
        return indicators.bad_rate(self.figures).value

    @property
    def wilson(self) -> float:
        return wilson_lower_bound(self.good, self.total)


def _period(period: Period) -> dict:
    return {"first": period.first.isoformat(), "last": period.last.isoformat()}


def breakdown(period: Period, dimension: str, window_id: int | None = None) -> list[Row]:
    """Counts per level for each value of the dimension, in the period (one window's only
    when window_id is given)."""
    params = _period(period)
    if dimension in ("staff", "service"):
        table = "rating_daily"
        where = "d.window_id = :window_id" if window_id else "1"
    else:  # hall, window and time buckets: one row per window (or for the hall) a day
        table = "rating_window_day"
        if dimension == "window":
            where = "d.window_id = :window_id" if window_id else "d.window_id > 0"
        else:
            where = "d.window_id = :window_id"
    params["window_id"] = window_id or 0
    if dimension in _TIME_KEYS:
        key = label = _TIME_KEYS[dimension]
        join = ""
    else:
        key, label, join = _ENTITY_KEYS[dimension]
    sql = (
        f"SELECT {key} AS k, {label} AS label, sum(d.n1), sum(d.n2), sum(d.n3), sum(d.n4), "
        f"sum(d.n5) FROM {table} d {join} WHERE {where} "
        "AND d.day BETWEEN :first AND :last GROUP BY 1, 2 ORDER BY 1"
    )
    rows = db.session.execute(sa.text(sql), params).all()
    return [Row(str(r[0]), str(r[1]), tuple(int(x or 0) for x in r[2:])) for r in rows
            if any(r[2:])]


def totals(period: Period, window_id: int | None = None) -> Row:
    rows = breakdown(period, "hall", window_id)
    return rows[0] if rows else Row("0", "", (0, 0, 0, 0, 0))


def rankings(period: Period, dimension: str) -> list[Row]:
    """Best first by the Wilson lower bound of the good rate; sample size breaks ties."""
    rows = breakdown(period, dimension)
    return sorted(rows, key=lambda r: (-r.wilson, -r.total, r.label))


def heatmap(period: Period, window_id: int | None = None) -> dict[tuple[int, int], tuple]:
    """{(weekday 0=Monday, hour): (ratings, 差评)} in hall time."""
    sql = (
        "SELECT (cast(strftime('%w', d.day) AS INTEGER) + 6) % 7, d.hour, sum(d.n), "
        "sum(d.n_bad) FROM rating_hourly d WHERE d.window_id = :window_id "
        "AND d.day BETWEEN :first AND :last GROUP BY 1, 2"
    )
    params = {**_period(period), "window_id": window_id or 0}
    return {(r[0], r[1]): (int(r[2]), int(r[3]))
            for r in db.session.execute(sa.text(sql), params)}


_CASE_SUMS = ", ".join(f"coalesce(sum(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"
                      for cond in indicators.CASE_COUNT_SQL.values())


def case_counts(period: Period | None, now: datetime,
                window_id: int | None = None) -> CaseCounts:
    """The 差评 cases of ratings given in the period (all cases when period is None),
    counted as indicators.CASE_COUNT_SQL defines (excluded ratings left out)."""
    sql = (f"SELECT {_CASE_SUMS} FROM bad_case c JOIN rating r ON r.id = c.rating_id "
           "WHERE c.rated_at >= :start AND c.rated_at < :end")
    if period is None:
        params = {"now": now, "start": datetime.min, "end": datetime.max}
    else:
        params = {"now": now, "start": period.utc_start, "end": period.utc_end}
    if window_id:
        sql += " AND c.window_id = :window_id"
        params["window_id"] = window_id
    stmt = sa.text(sql).bindparams(*(sa.bindparam(k, type_=sa.DateTime)
                                      for k in ("now", "start", "end")))
    row = db.session.execute(stmt, params).one()
    return CaseCounts(*(int(x or 0) for x in row))


def default_count(period: Period, window_id: int | None = None) -> int:
    """Counted default ratings given in the period."""
    sql = ("SELECT count(*) FROM rating WHERE is_default AND NOT excluded "
           "AND rated_at >= :start AND rated_at < :end")
    params = {"start": period.utc_start, "end": period.utc_end}
    if window_id:
        sql += " AND window_id = :window_id"
        params["window_id"] = window_id
    stmt = sa.text(sql).bindparams(*(sa.bindparam(k, type_=sa.DateTime) for k in ("start", "end")))
    return int(db.session.execute(stmt, params).scalar_one())


def invitation_counts(period: Period, window_id: int | None = None) -> indicators.InvitationCounts:
    """Invitations made in the period, and those answered by a counted rating (or a default)."""
    sql = ("SELECT count(*), coalesce(sum(CASE WHEN r.id IS NOT NULL THEN 1 ELSE 0 END), 0) "
           "FROM invitation i LEFT JOIN rating r ON r.invitation_id = i.id AND NOT r.excluded "
           "WHERE i.invited_at >= :start AND i.invited_at < :end "
           "AND NOT EXISTS (SELECT 1 FROM rating x WHERE x.invitation_id = i.id AND x.excluded)")
    params = {"start": period.utc_start, "end": period.utc_end}
    if window_id:
        sql += " AND i.window_id = :window_id"
        params["window_id"] = window_id
    stmt = sa.text(sql).bindparams(*(sa.bindparam(k, type_=sa.DateTime) for k in ("start", "end")))
    invited, rated = db.session.execute(stmt, params).one()
    return indicators.InvitationCounts(int(invited), int(rated))


def figures(period: Period, now: datetime, window_id: int | None = None) -> Figures:
    """All the counts the indicators of the period (one window's, or the hall's) need."""
    total = totals(period, window_id)
    return Figures(
        ratings=RatingCounts(*total.counts, defaults=default_count(period, window_id)),
        cases=case_counts(period, now, window_id),
        invitations=invitation_counts(period, window_id),
    )


def windows() -> list[tuple[int, str]]:
    return [(r[0], f"{r[1]} {r[2]}") for r in db.session.execute(
        sa.text("SELECT id, code, name FROM window ORDER BY code"))]
