"""What one run of any sync worker did (the hub's outbox worker and every profile worker).

taken: records picked up (hub: rows claimed; profiles: due records tried)
accepted: confirmed by the upstream (hub: stored); duplicate: it already had them
refused: the upstream answered no for these records (hub: rejected, parked at once;
    profiles: retried with backoff until max_refusals, then dead)
failed: not delivered this run (refused ones included), tried again later
held: not sent, a person must look (kiosk/sync/validation.py); dead: parked this run
error: the upstream could not be reached or answered nonsense: the worker backs off
more: there is probably more to send right away
"""
from dataclasses import dataclass, fields


@dataclass
class SyncResult:
    taken: int = 0
    accepted: int = 0
    duplicate: int = 0
    refused: int = 0
    failed: int = 0
    held: int = 0
    dead: int = 0
    error: str | None = None
    more: bool = False

    def add(self, other: "SyncResult") -> None:
        """Sums another run into this total (the first error is kept)."""
        for f in fields(self):
            if f.type == "int" or f.type is int:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.error = self.error or other.error
        self.more = other.more

    def summary(self) -> str:
        counts = (("accepted", self.accepted), ("duplicate", self.duplicate),
                  ("refused", self.refused), ("failed", self.failed), ("held", self.held),
                  ("dead", self.dead))
        return ", ".join(f"{n} {name}" for name, n in counts)

    # The hub worker's words for the same numbers, kept for its callers.
    @property
    def claimed(self) -> int:
        return self.taken

    @property
    def stored(self) -> int:
        return self.accepted

    @property
    def rejected(self) -> int:
        return self.refused
