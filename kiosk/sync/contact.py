"""A real-name rating's phone, for a hub entitled to it (SYNC_SEND_CONTACT): sealed with a
key derived from the hall key and bound to the rating id, so neither a proxy, a log, nor a
TLS-terminating gateway sees it. The outbox itself never holds the number: the sealed phone
travels in the record's envelope, beside the record text its link covers."""
import json
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.models import Rating
from kiosk.sync.sealing import derive_key, seal


def _says_real_name(text: str) -> bool:
    return '"real_name": true' in text or '"real_name":true' in text


def add_contacts(engine: Engine, claimed: list, hall_key: bytes) -> list[str | None]:
    """Each claimed row's envelope text, with the sealed phone where there is one."""
    wanted = [c for c in claimed if c.kind == "rating" and _says_real_name(c.payload_text)]
    if not wanted:
        return [c.envelope_text for c in claimed]
    rating = Rating.__table__
    with engine.connect() as conn:
        phones = dict(conn.execute(
            sa.select(rating.c.id, rating.c.phone)
            .where(rating.c.id.in_([uuid.UUID(c.record_id) for c in wanted]))
        ).all())
    box = derive_key(hall_key, "contact")
    wanted_rows = {c.row_id for c in wanted}
    envelopes = []
    for c in claimed:
        phone = phones.get(uuid.UUID(c.record_id)) if c.row_id in wanted_rows else None
        if phone:
            env = json.loads(c.envelope_text or "{}")
            env["contact"] = seal(box, phone, aad=str(uuid.UUID(c.record_id)))
            envelopes.append(json.dumps(env, ensure_ascii=False, separators=(",", ":")))
        else:
            envelopes.append(c.envelope_text)
    return envelopes
