"""What every driver hands to the layer above: events and device health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DELIVERY_EXACTLY_ONCE = "exactly-once"
DELIVERY_AT_MOST_ONCE = "at-most-once"
# A clerk's caller keypad key (SLZ-68 呼叫器); the other types are EVP/1's (evp.EVENT_*).
EVENT_CALLER_KEY = 10


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """One thing a device reported. Dedup key for the layer above:
    (device_serial, event_id) — an EVP/1 event is re-sent until it is ACKed."""

    protocol: str  # "evp", "kp-ascii", ...
    address: int
    device_serial: str
    event_id: int
    type: int  # 1 invited key, 2 uninvited key, 3 cover, 4 power-on (evp.EVENT_*)
    key: int  # 1..5 (0 for cover / power-on)
    event_time: datetime  # UTC; receive time - age_ms
    raw: bytes  # the frame or line as received
    received_at: datetime  # UTC, host clock at receive
    age_ms: int = 0
    received_monotonic: float = 0.0  # time.perf_counter() when the last byte was read

    @property
    def dedup_key(self) -> tuple[str, int]:
        return (self.device_serial, self.event_id)


@dataclass(slots=True)
class DeviceHealth:
    protocol: str
    address: int
    online: bool = False
    last_seen: datetime | None = None
    consecutive_misses: int = 0
    total_misses: int = 0
    serial: str | None = None
    firmware: str | None = None
    keys: int | None = None
    features: int | None = None
    state: int | None = None  # last state reported by the device (NONE answer)
    delivery: str = DELIVERY_EXACTLY_ONCE


def utc_from_timestamp(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
