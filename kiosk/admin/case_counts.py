"""The dashboard's 差评 numbers, from the 差评 workflow when it is installed.

Interface: kiosk.cases may provide dashboard_counts(now) -> {"open": int, "overdue": int}
(now is naive UTC). Without it the dashboard shows that the workflow is not available.
"""
import importlib
from datetime import datetime


def case_counts(now: datetime) -> dict | None:
    try:
        cases = importlib.import_module("kiosk.cases")
    except ImportError:
        return None
    counts = getattr(cases, "dashboard_counts", None)
    return counts(now) if callable(counts) else None
