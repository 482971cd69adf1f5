from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored time is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)
