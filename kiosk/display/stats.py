"""Aggregates for the wall screen, computed in SQL (GROUP BY), never row by row in Python.

Counted ratings: not excluded (an accepted appeal), and uninvited ones only where the
window counts them. Good rate = levels 1–3 over all counted ratings.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Rating, Window
from kiosk.stats.definitions import rate
from kiosk.timeutil import to_utc

TREND_DAYS = 7


@dataclass(frozen=True)
class Tally:
    total: int
    good: int

    @property
    def bad(self) -> int:
        return self.total - self.good

    @property
    def good_rate(self) -> float | None:
        """None when there is nothing to rate yet: the screen shows a dash, not 0 %."""
        good_rate = rate(self.good, self.total)
        return None if good_rate is None else round(100 * good_rate, 1)

    def as_json(self) -> dict:
        return {"total": self.total, "good": self.good, "bad": self.bad,
                "good_rate": self.good_rate}


def _counted():
    return sa.and_(
        sa.not_(Rating.excluded),
        sa.or_(sa.not_(Rating.uninvited), Window.count_uninvited),
    )


def _good_count():
    return sa.func.coalesce(sa.func.sum(sa.case((Rating.level <= 3, 1), else_=0)), 0)


def _day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    start = to_utc(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)


def today_by_window(today: date) -> list[dict]:
    """Every window (rated today or not), in code order, with today's tally."""
    start, end = _day_bounds_utc(today)
    rated = (
        sa.select(Rating.window_id, sa.func.count().label("total"), _good_count().label("good"))
        .join(Window, Window.id == Rating.window_id)
        .where(Rating.rated_at >= start, Rating.rated_at < end, _counted())
        .group_by(Rating.window_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Window.code, Window.name, rated.c.total, rated.c.good)
        .outerjoin(rated, rated.c.window_id == Window.id)
        .order_by(Window.code)
    ).all()
    return [
        {"code": code, "name": name, **Tally(total or 0, good or 0).as_json()}
        for code, name, total, good in rows
    ]


def hall_tally(today: date) -> Tally:
    start, end = _day_bounds_utc(today)
    total, good = db.session.execute(
        sa.select(sa.func.count(), _good_count())
        .select_from(Rating)
        .join(Window, Window.id == Rating.window_id)
        .where(Rating.rated_at >= start, Rating.rated_at < end, _counted())
    ).one()
    return Tally(total, good)


def week_trend(today: date) -> list[dict]:
    """The last TREND_DAYS local days, oldest first, one row per day even when empty."""
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    bounds = [_day_bounds_utc(d) for d in days]
    # Bucket each rating into its local day with a portable CASE over the day boundaries.
    bucket = sa.case(
        *((Rating.rated_at < end, i) for i, (_, end) in enumerate(bounds)),
        else_=len(days),
    ).label("day")
    rows = db.session.execute(
        sa.select(bucket, sa.func.count(), _good_count())
        .join(Window, Window.id == Rating.window_id)
        .where(Rating.rated_at >= bounds[0][0], Rating.rated_at < bounds[-1][1], _counted())
        .group_by(bucket)
    ).all()
    by_day = {i: Tally(total, good) for i, total, good in rows}
    return [
        {"date": d.isoformat(), **by_day.get(i, Tally(0, 0)).as_json()}
        for i, d in enumerate(days)
    ]
