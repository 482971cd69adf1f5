"""Aggregates for the wall screen, read from the statistics' rollups (kiosk/stats/rollup.py)
like every statistics page, so the screen and the pages show the same figures; the rates
are kiosk/stats/indicators.py's."""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models.hall import local_name
from kiosk.stats import indicators
from kiosk.stats.rollup import HALL

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
        """满意率 in %; None when there is nothing to rate yet (the screen shows a dash)."""
        counts = indicators.Figures(ratings=indicators.RatingCounts(n1=self.good,
                                                                    n4=self.bad))
        return indicators.satisfaction(counts).percent

    def as_json(self) -> dict:
        return {"total": self.total, "good": self.good, "bad": self.bad,
                "good_rate": self.good_rate}


_TALLY = "coalesce(d.n1 + d.n2 + d.n3 + d.n4 + d.n5, 0), coalesce(d.n1 + d.n2 + d.n3, 0)"


def today_by_window(today: date, locale: str = "zh_CN") -> list[dict]:
    """Every window (rated today or not), in code order, with today's tally; its name in
    `locale` (the English one where set)."""
    rows = db.session.execute(sa.text(
        f"SELECT w.code, w.name, w.name_en, {_TALLY} FROM window w "
        "LEFT JOIN rating_window_day d ON d.window_id = w.id AND d.day = :day ORDER BY w.code"
    ), {"day": today.isoformat()}).all()
    return [{"code": code, "name": local_name(name, name_en, locale),
             **Tally(int(total), int(good)).as_json()}
            for code, name, name_en, total, good in rows]


def _hall_days(first: date, last: date) -> dict[str, Tally]:
    rows = db.session.execute(sa.text(
        f"SELECT d.day, {_TALLY} FROM rating_window_day d WHERE d.window_id = :hall "
        "AND d.day BETWEEN :first AND :last"
    ), {"hall": HALL, "first": first.isoformat(), "last": last.isoformat()}).all()
    return {day: Tally(int(total), int(good)) for day, total, good in rows}


def hall_tally(today: date) -> Tally:
    return _hall_days(today, today).get(today.isoformat(), Tally(0, 0))


def week_trend(today: date) -> list[dict]:
    """The last TREND_DAYS local days, oldest first, one row per day even when empty."""
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    tallies = _hall_days(days[0], today)
    return [{"date": d.isoformat(), **tallies.get(d.isoformat(), Tally(0, 0)).as_json()}
            for d in days]
