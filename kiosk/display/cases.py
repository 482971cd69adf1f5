"""The one question the wall screen asks about 差评 cases: how many are open, and on time?

The cases feature (kiosk/cases/) may not be installed: then this answers None and the
screen leaves the panel out. When present, kiosk.cases is expected to offer
`public_summary() -> {"open": int, "overdue": int, "on_time_rate": float | None}`
(aggregates only, no case details).
"""
import importlib


def open_cases_summary() -> dict | None:
    try:
        cases = importlib.import_module("kiosk.cases")
    except ImportError:
        return None
    summary = getattr(cases, "public_summary", None)
    if summary is None:
        return None
    result = summary()
    if not isinstance(result, dict):
        return None
    # Only whitelisted aggregate keys ever reach the public screen.
    return {key: result.get(key) for key in ("open", "overdue", "on_time_rate")}
