"""Which invitation a type-1 press answers: the one whose INVITE the device was showing.

The bus thread notes the time just before it sends INVITE for an invitation; a press
belongs to the latest INVITE sent before the event time. Pure; one book per bus thread.
"""
from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

KEEP = 8  # offers remembered per window; presses arrive within milliseconds
SLACK = timedelta(milliseconds=50)  # event time = receive time - age_ms, to the ms


class OfferBook:
    def __init__(self) -> None:
        self._sent: dict[int, deque[tuple[datetime, int]]] = {}

    def invite_sent(self, window_id: int, invitation_id: int, at: datetime) -> None:
        self._sent.setdefault(window_id, deque(maxlen=KEEP)).append((at, invitation_id))

    def invitation_at(self, window_id: int, event_time: datetime) -> int | None:
        """None when this process sent no INVITE before the event (e.g. after a restart)."""
        for sent_at, invitation_id in reversed(self._sent.get(window_id, ())):
            if sent_at <= event_time + SLACK:
                return invitation_id
        return None
