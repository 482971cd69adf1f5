"""A real-name rating's phone, for a hub entitled to it (SYNC_SEND_CONTACT): sealed with a
key derived from the hall key and bound to the rating id, so neither a proxy, a log, nor a
TLS-terminating gateway sees it. The outbox itself never holds the number."""
import json
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.models import Rating
from kiosk.sync.sealing import derive_key, seal


def _says_real_name(text: str) -> bool:
    return '"real_name": true' in text or '"real_name":true' in text


def add_contacts(engine: Engine, claimed: list, hall_key: bytes) -> list[str]:
    wanted = [c for c in claimed if c.kind == "rating" and _says_real_name(c.payload_text)]
    if not wanted:
        return [c.payload_text for c in claimed]
    rating = Rating.__table__
    with engine.connect() as conn:
        phones = dict(conn.execute(
            sa.select(rating.c.id, rating.c.phone)
            .where(rating.c.id.in_([uuid.UUID(c.record_id) for c in wanted]))
        ).all())
    box = derive_key(hall_key, "contact")
    texts = []
    for c in claimed:
        phone = phones.get(uuid.UUID(c.record_id)) if c in wanted else None
        if phone:
            record = json.loads(c.payload_text)
            record["contact"] = seal(box, phone, aad=str(uuid.UUID(c.record_id)))
            texts.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        else:
            texts.append(c.payload_text)
    return texts
