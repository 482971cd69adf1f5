"""Fills facts an older outbox record lacks from the hall's own tables at send time: the
service (invitation) time, which validation compares with the rating time. Only facts the
hall holds are added; nothing in the record is changed."""
import json
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.models import Invitation, OutboxEntry, Rating
from kiosk.timeutil import iso_utc


def service_times(engine: Engine, record_ids: list[str]) -> dict[str, str]:
    """rating id → its invitation's time (ISO), for ratings that had an invitation."""
    if not record_ids:
        return {}
    rating, invitation = Rating.__table__, Invitation.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(rating.c.id, invitation.c.invited_at)
            .join(invitation, invitation.c.id == rating.c.invitation_id)
            .where(rating.c.id.in_([uuid.UUID(r) for r in record_ids]))
        ).all()
    return {str(rid): iso_utc(at) for rid, at in rows}


def records_with_facts(engine: Engine, texts: dict[str, str]) -> dict[str, dict]:
    """record id → the decoded record, with service_at filled where the hall knows it."""
    records = {rid: json.loads(text) for rid, text in texts.items()}
    missing = [rid for rid, r in records.items()
               if r.get("kind") == "rating" and not r.get("service_at")]
    for rid, at in service_times(engine, missing).items():
        records[rid]["service_at"] = at
    return records


def rating_records(engine: Engine, rating_ids: list[str]) -> dict[str, dict]:
    """rating id → its record as queued (with the facts above), for events that need the
    rating's own facts (case number, region, …) when they go to a province."""
    if not rating_ids:
        return {}
    outbox = OutboxEntry.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.record_id, sa.cast(outbox.c.payload, sa.Text))
                            .where(outbox.c.kind == "rating",
                                   outbox.c.record_id.in_(rating_ids))).all()
    return records_with_facts(engine, dict(rows))
