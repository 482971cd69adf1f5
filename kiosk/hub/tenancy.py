"""At the hub a hall touches only its own records.

Every record names its origin: the sending hall, or, for a lower hub, one of the halls it
forwards for. An event applies only to a rating of the same origin. A record whose id is
already stored is a duplicate only when origin and content are the same; otherwise it is a
conflict, refused per record and never stored over what is there.
"""
import sqlalchemy as sa
from flask import current_app

from kiosk.hub.sql import id_in
from kiosk.hub.validate import Rejected
from kiosk.models import HubHall, HubRating

CONFLICT = "conflict"  # the id is known with another origin or other content
FOREIGN_RATING = "foreign_rating"  # an event for a rating another hall gave


def forwards(hall: HubHall, origin) -> bool:
    """Whether this sender may speak for records of hall `origin`."""
    return bool(hall.may_forward) and origin in (hall.forwards_for or ())


def origin_of(item: dict, hall: HubHall) -> str:
    claimed = item.get("origin_hall")
    if claimed is None or claimed == hall.code:
        return hall.code
    if forwards(hall, claimed):
        return claimed
    raise Rejected("origin_not_allowed")


def _stored_origins(conn, rating_ids: set[str]) -> dict[str, str]:
    if not rating_ids:
        return {}
    r = HubRating.__table__
    rows = conn.execute(sa.select(r.c.id, r.c.origin_hall).where(id_in(conn, r.c.id, rating_ids)))
    return {str(rid): origin for rid, origin in rows}


def without_foreign_events(conn, events: list[dict]) -> tuple[list[dict], list[dict]]:
    """Splits events into those for a rating of their own origin (or one not here yet) and
    those for another hall's rating. Run after this batch's ratings are inserted."""
    origins = _stored_origins(conn, {e["rating_id"] for e in events})
    own, foreign = [], []
    for event in events:
        stored = origins.get(event["rating_id"])
        (foreign if stored is not None and stored != event["origin_hall"] else own).append(event)
    return own, [{"id": e["id"], "reason": FOREIGN_RATING} for e in foreign]


def sort_known(conn, model, rows: list[dict]) -> tuple[list[str], list[dict]]:
    """Rows not stored because their id exists: duplicates (same origin, same record, same
    link) and conflicts (anything else)."""
    if not rows:
        return [], []
    table = model.__table__
    stored = {
        str(rid): known for rid, *known in conn.execute(
            sa.select(table.c.id, table.c.origin_hall, table.c.record, table.c.chain_seq,
                      table.c.chain_hash)
            .where(id_in(conn, table.c.id, [r["id"] for r in rows])))
    }
    duplicates, conflicts = [], []
    for row in rows:
        if stored.get(row["id"]) == [row["origin_hall"], row["record"], row["chain_seq"],
                                     row["chain_hash"]]:
            duplicates.append(row["id"])
        else:
            conflicts.append({"id": row["id"], "reason": CONFLICT})
    return duplicates, conflicts


def log_conflicts(hall: HubHall, conflicts: list[dict]) -> None:
    if conflicts:
        current_app.logger.warning(
            "hub refused %d record(s) from hall=%s as conflicts: %s", len(conflicts), hall.code,
            ", ".join(f"{c['id']} ({c['reason']})" for c in conflicts[:50]))


