"""The trend chart's date axis has no gaps and its satisfaction line shows even for one day."""
import re
from datetime import date

from kiosk.stats import charts
from kiosk.stats.definitions import Period
from kiosk.stats.queries import Row


def test_every_bucket_of_the_period_is_on_the_axis():
    period = Period(date(2026, 2, 26), date(2026, 3, 3))
    assert charts.bucket_keys(period, "day") == [
        "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03"]
    weeks = charts.bucket_keys(Period(date(2026, 11, 4), date(2026, 11, 30)), "week")
    assert weeks == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
    months = charts.bucket_keys(Period(date(2025, 11, 15), date(2026, 2, 1)), "month")
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_days_without_ratings_are_zero_and_break_the_line(app):
    rows = [Row("2026-03-01", "2026-03-01", (3, 1, 0, 0, 0)),
            Row("2026-03-03", "2026-03-03", (1, 0, 0, 1, 0))]
    points = charts.zero_filled(rows, Period(date(2026, 3, 1), date(2026, 3, 3)), "day")
    assert points == [("03-01", 4, 1.0), ("03-02", 0, None), ("03-03", 2, 0.5)]
    with app.test_request_context():
        svg = str(charts.trend(points, "t"))
    assert svg.count("<circle") == 3  # two points and the legend's
    assert "<polyline" not in svg  # the empty day between them breaks the line


def test_a_single_day_draws_a_narrow_bar_and_the_rate(app):
    with app.test_request_context():
        svg = str(charts.trend([("12-01", 40, 0.85)], "t"))
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"', svg)]
    assert max(widths) <= 36  # a bar, not the whole plot
    assert svg.count("<circle") == 2 and "85.0%" in svg
