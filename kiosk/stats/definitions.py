"""Statistics helpers (pure): the Wilson bound used for rankings, and periods (whole days
in hall time). What each indicator means is defined in kiosk/stats/indicators.py only."""
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk.timeutil import to_utc

Z_95 = 1.959963984540054


def wilson_lower_bound(good: int, n: int, z: float = Z_95) -> float:
    """Lower end of the Wilson score interval for the proportion good/n (95 % by default).

    A small sample gets a wide interval and so a low bound: 3 of 3 (≈ 0.44) ranks below
    2,950 of 3,000 (≈ 0.98).
    """
    if n <= 0:
        return 0.0
    p = good / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (centre - margin) / (1 + z2 / n)


@dataclass(frozen=True)
class Period:
    """Hall-local days first..last, both included."""

    first: date
    last: date

    @property
    def utc_start(self) -> datetime:
        return to_utc(datetime.combine(self.first, datetime.min.time()))

    @property
    def utc_end(self) -> datetime:
        """Exclusive."""
        return to_utc(datetime.combine(self.last + timedelta(days=1), datetime.min.time()))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_period(first: str | None, last: str | None, today: date) -> Period:
    """From ?from=YYYY-MM-DD&to=YYYY-MM-DD; default: the current month up to today."""
    try:
        start = date.fromisoformat(first) if first else today.replace(day=1)
    except ValueError:
        start = today.replace(day=1)
    try:
        end = date.fromisoformat(last) if last else today
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return Period(start, end)


def trend_grain(period: Period) -> str:
    """A readable number of points: days up to two months, weeks up to a year, then months."""
    if period.days <= 62:
        return "day"
    if period.days <= 366:
        return "week"
    return "month"
