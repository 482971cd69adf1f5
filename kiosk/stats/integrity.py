"""Integrity checks and live alerts (rule 9). They flag; they never delete or change a rating.

Definitions:
- Burst (刷好评): at one window, at least BURST_MIN uninvited 非常满意 ratings within
  BURST_MINUTES minutes (one evaluator/QR code per window, so a window stands for the device).
  A burst of uninvited 差评 (刷差评) follows the same rule with levels 4–5.
- Repeated 差评: a staff member or a department with at least REPEATED_BAD_COUNT 差评 within
  REPEATED_BAD_DAYS consecutive days (config STATS_REPEATED_BAD_COUNT / _DAYS).
- Low invitation ratio: the business system does not tell us every case, so we approximate
  "invitations per case" by invitations per signed-in hour (staff_session intervals clipped
  to the period). A clerk with at least MIN_HOURS signed in whose ratio is below
  LOW_RATIO_FACTOR × the median of the hall's clerks is flagged.
- Live alert: a window with at least ALERT_MIN_RATINGS ratings in the last ALERT_MINUTES
  minutes of which at least half are 差评.
"""
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.stats.queries import labels

BURST_MIN = 5
BURST_MINUTES = 10
MIN_HOURS = 2.0
LOW_RATIO_FACTOR = 0.5
ALERT_MINUTES = 15
ALERT_MIN_RATINGS = 4
ALERT_BAD_SHARE = 0.5
REPEATED_BAD_COUNT = 3
REPEATED_BAD_DAYS = 30

_DT = sa.DateTime()


def _typed(sql: str, *names: str):
    return sa.text(sql).bindparams(*(sa.bindparam(n, type_=_DT) for n in names))


@dataclass
class Burst:
    window_code: str
    first_at: datetime  # naive UTC
    last_at: datetime
    count: int


def _burst_query(levels: str):
    """For each uninvited rating at these levels, how many such ratings the window had in
    the M minutes up to it (a window function over minutes since the epoch). The condition
    is written as in the partial indexes ix_rating_uninvited_top / _bad."""
    return _typed(
        "SELECT w.code, x.rated_at, x.n FROM ("
        "  SELECT window_id, rated_at, count(*) OVER (PARTITION BY window_id "
        "    ORDER BY (julianday(rated_at) * 1440.0) RANGE BETWEEN :minutes PRECEDING "
        "    AND CURRENT ROW) AS n"
        f"  FROM rating WHERE uninvited AND {levels} AND rated_at >= :start AND rated_at < :end"
        ") x JOIN window w ON w.id = x.window_id WHERE x.n >= :min_count "
        "ORDER BY w.code, x.rated_at",
        "start", "end",
    )


_BURSTS = {"top": _burst_query("level = 1"), "bad": _burst_query("level >= 4")}


def burst_flags(start: datetime, end: datetime, *, min_count: int = BURST_MIN,
                minutes: int = BURST_MINUTES, kind: str = "top") -> list[Burst]:
    """Bursts in [start, end) (naive UTC), one per run of overlapping suspicious minutes:
    of uninvited 非常满意 (kind "top") or of uninvited 差评 (kind "bad")."""
    rows = db.session.execute(_BURSTS[kind], {"start": start, "end": end, "minutes": minutes,
                                              "min_count": min_count}).all()
    bursts: list[Burst] = []
    for code, at, n in rows:
        at = _as_datetime(at)
        last = bursts[-1] if bursts else None
        if last and last.window_code == code and at - last.last_at <= timedelta(minutes=minutes):
            last.last_at, last.count = at, max(last.count, n)
        else:
            bursts.append(Burst(code, at - timedelta(minutes=minutes), at, n))
    return bursts


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@dataclass
class ClerkRatio:
    staff_no: str
    name: str
    hours: float
    invitations: int
    per_hour: float
    hall_median: float
    flagged: bool


_SIGNED_IN_HOURS = _typed(
    "SELECT s.staff_id, sum((julianday(min(coalesce(s.ended_at, :now), :end)) "
    "  - julianday(max(s.started_at, :start))) * 24.0) "
    "FROM staff_session s WHERE s.started_at < :end AND coalesce(s.ended_at, :now) > :start "
    "GROUP BY s.staff_id",
    "start", "end", "now",
)
_INVITATIONS = _typed(
    "SELECT staff_id, count(*) FROM invitation WHERE staff_id IS NOT NULL "
    "AND invited_at >= :start AND invited_at < :end GROUP BY staff_id",
    "start", "end",
)


def invitation_ratios(start: datetime, end: datetime, now: datetime | None = None,
                      *, min_hours: float = MIN_HOURS,
                      factor: float = LOW_RATIO_FACTOR) -> list[ClerkRatio]:
    now = now or utcnow()
    params = {"start": start, "end": end, "now": now}
    hours = {sid: h or 0.0 for sid, h in db.session.execute(_SIGNED_IN_HOURS, params)}
    invites = dict(db.session.execute(_INVITATIONS, {"start": start, "end": end}).all())
    names = {r[0]: (r[1], r[2]) for r in db.session.execute(
        sa.text("SELECT id, staff_no, name FROM staff"))}
    eligible = {sid: invites.get(sid, 0) / h for sid, h in hours.items() if h >= min_hours}
    median = statistics.median(eligible.values()) if eligible else 0.0
    result = []
    for sid, per_hour in sorted(eligible.items(), key=lambda kv: kv[1]):
        staff_no, name = names.get(sid, ("?", "?"))
        result.append(ClerkRatio(staff_no, name, round(hours[sid], 2), invites.get(sid, 0),
                                 per_hour, median, per_hour < factor * median))
    return result


@dataclass
class Alert:
    window_code: str
    window_name: str
    ratings: int
    bad: int
    since: datetime  # naive UTC

    @property
    def bad_share(self) -> float:
        return self.bad / self.ratings


_LIVE = _typed(
    "SELECT w.code, w.name, count(*), sum(r.level >= 4) FROM rating r "
    "JOIN window w ON w.id = r.window_id "
    "WHERE r.rated_at >= :since AND r.rated_at <= :now AND NOT r.excluded "
    "GROUP BY r.window_id HAVING count(*) >= :min_n AND sum(r.level >= 4) >= :share * count(*) "
    "ORDER BY w.code",
    "since", "now",
)


def current_alerts(now: datetime | None = None) -> list[Alert]:
    """Windows with ≥ 50 % 差评 over the last 15 minutes and at least 4 ratings."""
    now = now or utcnow()
    since = now - timedelta(minutes=ALERT_MINUTES)
    rows = db.session.execute(_LIVE, {"since": since, "now": now, "min_n": ALERT_MIN_RATINGS,
                                      "share": ALERT_BAD_SHARE}).all()
    return [Alert(code, name, int(n), int(bad), since) for code, name, n, bad in rows]


@dataclass
class RepeatedBad:
    dimension: str  # "staff" or "department"
    key: str
    label: str
    most: int  # the most 差评 within any REPEATED_BAD_DAYS consecutive days
    window_end: str  # the last day (hall time) of the first such stretch with that many
    total: int  # 差评 in the period


def repeated_bad(first: date, last: date, dimension: str, *, count: int = REPEATED_BAD_COUNT,
                 days: int = REPEATED_BAD_DAYS) -> list[RepeatedBad]:
    """Staff members or departments with at least `count` 差评 within `days` consecutive
    hall-local days ending in [first, last]: a rolling sum over the daily rollup."""
    sql = sa.text(
        "SELECT key, day, n, total FROM ("
        "  SELECT key, day, sum(n) OVER (PARTITION BY key ORDER BY julianday(day) "
        "    RANGE BETWEEN :span PRECEDING AND CURRENT ROW) AS n, "
        "    sum(CASE WHEN day >= :first THEN n ELSE 0 END) OVER (PARTITION BY key) AS total"
        "  FROM (SELECT key, day, sum(n4 + n5) AS n FROM rating_facet_day "
        "        WHERE facet = :facet AND day BETWEEN :from_day AND :last AND key != '0' "
        "        GROUP BY key, day HAVING sum(n4 + n5) > 0)"
        ") WHERE n >= :count AND day >= :first ORDER BY key, n DESC, day"
    )
    rows = db.session.execute(sql, {
        "span": days - 1, "facet": dimension, "count": count, "first": first.isoformat(),
        "last": last.isoformat(), "from_day": (first - timedelta(days=days - 1)).isoformat(),
    }).all()
    best: dict[str, tuple] = {}
    for key, day, n, total in rows:
        best.setdefault(key, (int(n), day, int(total)))
    names = labels(dimension, list(best))
    return sorted((RepeatedBad(dimension, k, names[k], n, day, total)
                   for k, (n, day, total) in best.items()), key=lambda r: (-r.most, r.label))
