"""The one question the wall screen asks about 差评 cases: how many are open, overdue, and
rectified on time this month? Aggregates only: no case, rating or person is ever named."""
from datetime import datetime

from kiosk.stats import indicators, queries
from kiosk.stats.definitions import Period
from kiosk.timeutil import to_local


def open_cases_summary(now_utc: datetime) -> dict:
    """{"open", "overdue"} now, and "on_time_rate" (%) of the current month as on the
    statistics page's default period; definitions in kiosk/stats/indicators.py."""
    current = queries.case_counts(None, now_utc)
    today = to_local(now_utc).date()
    month = queries.case_counts(Period(today.replace(day=1), today), now_utc)
    return {
        "open": current.open,
        "overdue": current.overdue,
        "on_time_rate": indicators.on_time_rate(indicators.Figures(cases=month)).percent,
    }
