"""What a profile is (pure): how one canonical record becomes one upstream's request, and how
that upstream's answer is read. No I/O here: the profile worker does the sending."""
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.timeutil import to_local


# Our internal scale counts the national way (1 非常满意 … 5 非常不满意); provinces count back.
def provincial_level(level: int) -> int:
    """5 = 非常满意 … 1 = 非常不满意."""
    return 6 - level


def parse_iso(iso: str | None) -> datetime | None:
    """A record's ISO time (…Z) as naive UTC."""
    if not iso:
        return None
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=None)


def local_time(iso: str | None, fmt: str) -> str | None:
    """A record time in hall (China) time, formatted for the upstream."""
    utc = parse_iso(iso)
    return None if utc is None else to_local(utc).strftime(fmt)


def evaluator_name(record: dict) -> str:
    """评价人: the masked phone of a real-name rating, otherwise 匿名 (we never send names)."""
    return record.get("phone_masked") or "匿名"


@dataclass(frozen=True)
class Credentials:
    """What signing or encryption needs: the upstream's id for us and the shared secret."""

    app_id: str
    key: bytes
    options: dict = field(default_factory=dict)  # profile extras, e.g. dataSource


@dataclass(frozen=True)
class Request:
    method: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    accepted: bool
    receipt_id: str | None = None
    error: str | None = None
    # The answer could not be read at all (not JSON, cut off): the upstream is broken, not
    # the record, so it counts as a failure to deliver, never as a refusal.
    garbled: bool = False


def json_answer(status: int, body: bytes, *, code_field: str, ok_code: str,
                receipt: Callable[[dict], object], message_field: str) -> Answer:
    """The JSON answers of the provincial platforms: a code that says success and a receipt
    id somewhere in the body; anything else is a failure with the platform's own words."""
    try:
        answer = json.loads(body)
    except ValueError:
        return Answer(False, error=f"HTTP {status}: not JSON: {body[:200]!r}", garbled=True)
    receipt_id = receipt(answer) if isinstance(answer, dict) else None
    if receipt_id and status == 200 and answer.get(code_field) == ok_code:
        return Answer(True, receipt_id=str(receipt_id))
    summary = f"{answer.get(code_field)} {answer.get(message_field)}" if isinstance(answer, dict) else answer
    return Answer(False, error=f"HTTP {status}: {summary}")


@dataclass(frozen=True)
class Profile:
    name: str
    # Canonical record fields this upstream cannot do without (checked before sending).
    required: tuple[str, ...]
    region_widths: tuple[int, ...]  # accepted widths of 行政区划
    dept_code_required: bool
    to_payload: Callable[[dict, Credentials], dict]  # canonical record → upstream fields
    # canonical 整改 event (kiosk/sync/case_events.py) → upstream fields, sent like a rating
    event_payload: Callable[[dict, Credentials], dict]
    # (payload, credentials, url path, now as unix time, nonce) → the request to send
    encode: Callable[[dict, Credentials, str, float, str], Request]
    read_answer: Callable[[int, bytes], Answer]  # (HTTP status, body) → outcome
    description: str = ""
    required_options: tuple[str, ...] = ()  # UPSTREAMS "options" it cannot do without
