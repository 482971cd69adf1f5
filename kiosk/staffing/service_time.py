"""A window's assessment time: the time in a period when it was not paused."""
from datetime import datetime

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Window, WindowPause


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def window_service_seconds(window: Window, start: datetime, end: datetime) -> float:
    """Seconds of [start, end) (naive UTC) minus the window's pauses; an open pause lasts to end."""
    if end <= start:
        return 0.0
    pauses = db.session.execute(
        sa.select(WindowPause.started_at, WindowPause.ended_at).where(
            WindowPause.window_id == window.id,
            WindowPause.started_at < end,
            sa.or_(WindowPause.ended_at.is_(None), WindowPause.ended_at > start),
        )
    ).all()
    clipped = [(max(s, start), min(e or end, end)) for s, e in pauses]
    paused = sum((e - s).total_seconds() for s, e in _merged(clipped) if e > s)
    return (end - start).total_seconds() - paused
