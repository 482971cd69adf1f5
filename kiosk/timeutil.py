"""Times are stored as naive UTC; the hall lives in China Standard Time (no DST)."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

HALL_TZ = ZoneInfo("Asia/Shanghai")


def to_local(utc_naive: datetime) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(HALL_TZ).replace(tzinfo=None)


def to_utc(local_naive: datetime) -> datetime:
    return local_naive.replace(tzinfo=HALL_TZ).astimezone(UTC).replace(tzinfo=None)


def iso_utc(utc_naive: datetime | None) -> str | None:
    """ISO 8601 with an explicit offset, for APIs and exports."""
    if utc_naive is None:
        return None
    return utc_naive.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
