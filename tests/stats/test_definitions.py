"""Pure definitions: Wilson bound, periods in hall time."""
from datetime import date, datetime

import pytest

from kiosk.stats.definitions import Period, parse_period, trend_grain, wilson_lower_bound

pytestmark = pytest.mark.timeout(10)


def test_wilson_small_perfect_sample_ranks_below_large_nearly_perfect_one():
    assert wilson_lower_bound(3, 3) == pytest.approx(0.4385, abs=1e-4)
    assert wilson_lower_bound(2950, 3000) == pytest.approx(0.9778, abs=1e-3)
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(2950, 3000)
    assert wilson_lower_bound(0, 0) == 0.0


@pytest.mark.parametrize("good,n", [(0, 10), (5, 10), (10, 10), (999, 1000)])
def test_wilson_bound_lies_below_the_observed_rate(good, n):
    assert 0.0 <= wilson_lower_bound(good, n) <= good / n


def test_wilson_ordering_of_samples():
    samples = {"A": (3, 3), "B": (2900, 3000), "C": (90, 100), "D": (0, 1)}
    order = sorted(samples, key=lambda k: -wilson_lower_bound(*samples[k]))
    assert order == ["B", "C", "A", "D"]


def test_period_bounds_are_hall_midnights_in_utc():
    p = Period(date(2026, 4, 1), date(2026, 4, 30))
    assert p.utc_start == datetime(2026, 3, 31, 16, 0)
    assert p.utc_end == datetime(2026, 4, 30, 16, 0)
    assert p.days == 30


def test_parse_period_defaults_and_swaps():
    today = date(2026, 5, 20)
    assert parse_period(None, None, today) == Period(date(2026, 5, 1), today)
    assert parse_period("2026-05-10", "2026-05-01", today) == Period(date(2026, 5, 1),
                                                                     date(2026, 5, 10))
    assert parse_period("bad", "", today) == Period(date(2026, 5, 1), today)
    assert trend_grain(Period(date(2026, 1, 1), date(2026, 1, 31))) == "day"
    assert trend_grain(Period(date(2026, 1, 1), date(2026, 6, 30))) == "week"
    assert trend_grain(Period(date(2025, 1, 1), date(2026, 6, 30))) == "month"
