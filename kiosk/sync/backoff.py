"""The one backoff of the sync daemon: doubling from `first`, capped, optionally jittered.

Used for a worker's loop after its upstream failed (jittered: halls that lost the hub
together do not return together) and for a record's next 补报 attempt (deterministic)."""
import random


def backoff(failures: int, *, first: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `failures`-th failure in a row (1 → `first`)."""
    ceiling = min(cap, first * 2.0 ** max(failures - 1, 0))
    if rng is None:
        return ceiling
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
