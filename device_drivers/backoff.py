"""Reconnect backoff: 0.5 s doubling to a 10 s cap (datasheet, 'Reconnect').

Pure: the caller owns the clock and the sleeping.
"""

from __future__ import annotations


class Backoff:
    def __init__(self, first_s: float = 0.5, cap_s: float = 10.0) -> None:
        self.first_s = first_s
        self.cap_s = cap_s
        self._next = first_s

    def next_delay(self) -> float:
        """Delay before the next reopen attempt; doubles on every call up to the cap."""
        delay = self._next
        self._next = min(self._next * 2, self.cap_s)
        return delay

    def reset(self) -> None:
        """Call after a successful reopen."""
        self._next = self.first_s
