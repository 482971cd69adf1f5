"""What the ratings service stored, as plain data (no ORM object on the hot path)."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class HallFacts:
    name: str
    region_code: str
    dept_code: str


@dataclass(frozen=True)
class DeviceIdentity:
    """The counter device that made a rating: serial, bus address and number of keys."""

    serial: str
    address: int
    keys: int | None = None


@dataclass
class StoredRating:
    id: uuid.UUID
    level: int
    scale: int
    channel: str
    window_code: str
    rated_at: datetime
    case_no: str | None = None
    staff_no: str | None = None
    service_code: str | None = None
    reasons: list[str] = field(default_factory=list)
    reason_version: int | None = None
    comment: str = ""
    phone: str | None = None
    uninvited: bool = False
    is_default: bool = False
    query_code: str | None = None
    source_ref: str | None = None
    device_serial: str | None = None
    evaluator_address: int | None = None  # the device's bus address
    device_keys: int | None = None
    # The responsible department (its id, 统一社会信用代码 and name), None if none is set.
    department_id: int | None = None
    department_code: str | None = None
    department_name: str | None = None
