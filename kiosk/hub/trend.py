"""Ratings and 满意率 per hall-local day at the hub, every day of the range present (a day
without ratings is a zero, not a gap), in one query over the (origin_hall, rated_at) index.

Day boundaries are computed here in hall time and compared as naive UTC, so the query is
the same on PostgreSQL and on a demo hub's SQLite.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import HubRating
from kiosk.stats import indicators
from kiosk.timeutil import to_local, to_utc

DAYS = 30


def counts(total: int, good: int) -> indicators.Figures:
    """Figures from a counted total and its good part: 满意率 needs no more."""
    return indicators.Figures(ratings=indicators.RatingCounts(n1=good, n4=total - good))


@dataclass(frozen=True)
class DayPoint:
    day: date
    total: int
    good: int

    @property
    def satisfaction(self) -> indicators.Ratio:
        return indicators.satisfaction(counts(self.total, self.good))


def _day_start(day: date) -> datetime:
    return to_utc(datetime.combine(day, time()))


def daily(now: datetime, hall: str | None = None, days: int = DAYS) -> list[DayPoint]:
    """The last `days` hall-local days up to today, oldest first; `hall`: one origin hall."""
    today = to_local(now).date()
    span = [today - timedelta(days=days - 1 - i) for i in range(days)]
    r = HubRating
    counted = sa.not_(r.excluded)
    good = sa.and_(counted, r.level.in_(indicators.GOOD_LEVELS))
    columns = []
    for day in span:
        within = sa.and_(r.rated_at >= _day_start(day),
                         r.rated_at < _day_start(day + timedelta(days=1)))
        columns += [sa.func.count().filter(within, counted), sa.func.count().filter(within, good)]
    query = sa.select(*columns).where(r.rated_at >= _day_start(span[0]),
                                      r.rated_at < _day_start(today + timedelta(days=1)))
    if hall is not None:
        query = query.where(r.origin_hall == hall)
    row = db.session.execute(query).one()
    return [DayPoint(day, row[2 * i], row[2 * i + 1]) for i, day in enumerate(span)]


def chart_points(points: list[DayPoint]) -> list[tuple[str, int, float | None]]:
    """As kiosk/stats/charts.trend takes them: (label, ratings, 满意率 as a fraction)."""
    return [(p.day.strftime("%m-%d"), p.total, p.satisfaction.value) for p in points]
