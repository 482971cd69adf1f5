"""Offers opened by a clerk's caller keypad (SLZ-68 请评价), per window, until a timeout.

A press on the window's evaluator within the time rates the offer; when the time runs out
the offer closes without a rating (未评价) and its invitation stays pending. Pure: the clock
is a parameter; one book per bus thread.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_TIMEOUT_S = 30


@dataclass(frozen=True)
class CallerOffer:
    invitation_id: int | None  # None: no case from the business system, a standalone offer
    case_no: str | None
    until: float  # monotonic


class CallerOffers:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._open: dict[int, CallerOffer] = {}  # window id -> its open offer

    def open(self, window_id: int, invitation_id: int | None, case_no: str | None,
             timeout_s: float) -> CallerOffer:
        offer = CallerOffer(invitation_id, case_no, self.monotonic() + timeout_s)
        self._open[window_id] = offer
        return offer

    def take(self, window_id: int) -> CallerOffer | None:
        """The window's open offer, closed by the press that answers it."""
        offer = self._open.get(window_id)
        if offer is None or offer.until <= self.monotonic():
            return None
        return self._open.pop(window_id)

    def expired(self) -> list[tuple[int, CallerOffer]]:
        """Offers whose time ran out, closed now (each reported once)."""
        if not self._open:
            return []
        now = self.monotonic()
        gone = [(w, o) for w, o in self._open.items() if o.until <= now]
        for window_id, _ in gone:
            del self._open[window_id]
        return gone
