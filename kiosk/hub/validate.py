"""Checks one incoming record and turns it into a row (pure). A bad record is rejected with
a reason; it never fails its batch."""
import re
import uuid
from datetime import datetime, timedelta

from kiosk.integrity.chain import NOT_CONTENT
from kiosk.ratings.levels import SCALE_LEVELS
from kiosk.ratings.record import CASE_STATUSES, CHANNEL_GBT, EVENT_TYPES, SCHEMA
from kiosk.ratings.text import has_control_characters

CHANNELS = frozenset(CHANNEL_GBT)
FUTURE_TOLERANCE = timedelta(days=1)  # a hall clock a little ahead is fine, a day is not
COMMENT_MAX = 500
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Rejected(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _utc(value, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Rejected(f"bad_{field}") from None
    if parsed.tzinfo is None:
        raise Rejected(f"bad_{field}")  # a time without its zone is ambiguous
    return (parsed - parsed.utcoffset()).replace(tzinfo=None)


def _uuid(value, field: str = "id") -> str:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value  # what every hall sends: already the form str(uuid.UUID(…)) gives
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise Rejected(f"bad_{field}") from None


def record_id(item) -> str | None:
    """The id to answer under, even for a record too broken to store."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return None


def rating_row(item: dict, origin_hall: str, sender: str, now: datetime) -> dict:
    if item.get("schema") != SCHEMA:
        raise Rejected("unsupported_schema")
    rid = _uuid(item.get("id"))
    level, scale = item.get("level"), item.get("scale")
    if scale not in SCALE_LEVELS:
        raise Rejected("bad_scale")
    if type(level) is not int or level not in SCALE_LEVELS[scale]:
        raise Rejected("bad_level")
    channel = item.get("channel")
    if channel not in CHANNELS:
        raise Rejected("bad_channel")
    rated_at = _utc(item.get("rated_at"), "rated_at")
    if rated_at > now + FUTURE_TOLERANCE:
        raise Rejected("rated_at_in_future")
    comment = item.get("comment", "")
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        raise Rejected("bad_comment")
    if has_control_characters(comment):
        raise Rejected("bad_comment_characters")
    reasons = item.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise Rejected("bad_reasons")
    if reasons and level < 4:
        raise Rejected("reasons_not_allowed")
    if not isinstance(item.get("window_code"), str):
        raise Rejected("bad_window_code")
    case_no = item.get("case_no")
    if case_no is not None and (not isinstance(case_no, str) or len(case_no) > 50):
        raise Rejected("bad_case_no")
    is_default = item.get("is_default", False)
    if not isinstance(is_default, bool):
        raise Rejected("bad_is_default")
    stored = dict(item)
    for transport in NOT_CONTENT:  # the link is kept in columns, the phone sealed apart
        stored.pop(transport, None)
    return {
        "id": rid,
        "origin_hall": origin_hall,
        "sender_hall": sender,
        "rated_at": rated_at,
        "level": level,
        "channel": channel,
        "is_default": is_default,
        "excluded": False,
        "record": stored,
        "received_at": now,
    }


def event_row(item: dict, origin_hall: str, now: datetime) -> dict:
    if item.get("schema") != SCHEMA:
        raise Rejected("unsupported_schema")
    eid = _uuid(item.get("id"))
    rating_id = _uuid(item.get("rating_id"), "rating_id")
    event = item.get("event")
    if event not in EVENT_TYPES:
        raise Rejected("bad_event")
    status = item.get("status")
    if event == "case_status" and status not in CASE_STATUSES:
        raise Rejected("bad_status")
    due_at = item.get("due_at")
    at = _utc(item.get("at"), "at")
    if at > now + FUTURE_TOLERANCE:
        raise Rejected("at_in_future")  # newest wins: a far-future event would win forever
    stored = dict(item)
    for transport in NOT_CONTENT:
        stored.pop(transport, None)
    return {
        "id": eid,
        "rating_id": rating_id,
        "origin_hall": origin_hall,
        "event": event,
        "status": status if event == "case_status" else None,
        "due_at": _utc(due_at, "due_at") if due_at is not None else None,
        "at": at,
        "record": stored,
        "received_at": now,
    }
