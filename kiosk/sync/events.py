"""For code that changes a rating later (差评 case workflow, appeals): queue the event
upstream in the caller's own transaction, next to the change it describes."""
from datetime import datetime

from uuid6 import uuid7

from kiosk.models.base import utcnow
from kiosk.ratings.record import rating_event_record
from kiosk.sync.queue import queue_outbox


def queue_rating_event(conn_or_session, rating_id, event: str, *, status: str | None = None,
                       due_at: datetime | None = None, note: str = "",
                       at: datetime | None = None, facts: dict | None = None) -> str:
    """Adds a kind="rating_event" outbox row; commit it with your change. Returns its id."""
    at = at or utcnow()
    event_id = uuid7()
    payload = rating_event_record(event_id=event_id, rating_id=rating_id, event=event, at=at,
                                  status=status, due_at=due_at, note=note, facts=facts)
    queue_outbox(conn_or_session, payload, created_at=at)
    return str(event_id)
