"""Applies what the hub publishes: a newer reason template, and the hall's settings.
The reason list is never edited locally; a hall only takes a newer version."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.cases.appeals import apply_hub_decisions
from kiosk.db_setup import IMMEDIATE
from kiosk.models import Hall, ReasonTemplate
from kiosk.models.reasons import valid_items

HALL_SETTINGS = ("allow_uninvited", "voice_enabled")


def apply_config(engine: Engine, config: dict, now: datetime) -> dict:
    """Returns what changed (for logs and tests)."""
    changed: dict = {}
    reasons = config.get("reasons") or {}
    settings = {k: v for k, v in (config.get("hall_settings") or {}).items()
                if k in HALL_SETTINGS and isinstance(v, bool)}
    rt, hall = ReasonTemplate.__table__, Hall.__table__
    with engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
        version = reasons.get("version")
        local = conn.execute(sa.select(sa.func.max(rt.c.version))).scalar() or 0
        if type(version) is int and version > local and valid_items(reasons.get("items")):
            conn.execute(rt.insert().values(version=version, items=reasons["items"],
                                            published_at=now))
            changed["reason_version"] = version
        decided = apply_hub_decisions(conn, config.get("appeal_decisions"), now)
        if decided:
            changed["appeal_decisions"] = decided
        # A forwarding hub has no Hall row: then nothing is updated.
        if settings and conn.execute(hall.update().values(**settings)).rowcount:
            changed["hall_settings"] = settings
    return changed
