"""Appeals a hall forwarded for an upper-level decision (申诉复核), at the hub.

The hall's "appeal" event with decider "hub" registers the appeal here (in the ingest
transaction, only for the rating's own hall); a hub manager decides it; the decision goes
down in that hall's published config until the hall's own "appeal_decided" event for it
comes back, which marks it applied. A hall only ever sees decisions on its own appeals.
"""
import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.models import HubRating
from kiosk.models.audit import audit
from kiosk.models.hub_appeals import HubAppeal
from kiosk.timeutil import iso_utc

DECIDING_ROLES = ("admin", "manager")
NOTE_MAX = 2000


class AppealError(Exception):
    def __init__(self, message, status: int = 400):
        super().__init__(str(message))
        self.message, self.status = str(message), status


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def note_forwarded_appeals(conn, events: list[dict], stored: set[str], now: datetime) -> None:
    """From a batch's newly stored events: register forwarded appeals, and mark decisions
    the hall reports as applied."""
    appeal = HubAppeal.__table__
    for row in events:
        if row["id"] not in stored:
            continue
        record = row["record"]
        appeal_id = _uuid(record.get("appeal_id"))
        if appeal_id is None:
            continue
        if row["event"] == "appeal" and record.get("decider") == "hub":
            exists = conn.execute(sa.select(appeal.c.id).where(appeal.c.id == appeal_id)).first()
            if exists is None:
                conn.execute(appeal.insert().values(
                    id=appeal_id, rating_id=uuid.UUID(row["rating_id"]),
                    origin_hall=row["origin_hall"],
                    filed_by=str(record.get("filed_by") or "")[:64], filed_at=row["at"],
                    ground=record.get("ground") if record.get("ground") in (
                        "mistaken", "malicious") else "mistaken",
                    reason=str(record.get("note") or ""), received_at=now, status="pending"))
        elif row["event"] == "appeal_decided":
            conn.execute(appeal.update().where(
                appeal.c.id == appeal_id, appeal.c.origin_hall == row["origin_hall"],
                appeal.c.status != "pending", appeal.c.applied_at.is_(None),
            ).values(applied_at=now))


def listing(status: str | None = "pending", limit: int = 200) -> list[tuple[HubAppeal, dict]]:
    """Appeals with their rating's record (case number, level, reasons), newest first."""
    query = (sa.select(HubAppeal, HubRating.record)
             .join(HubRating, HubRating.id == HubAppeal.rating_id, isouter=True)
             .order_by(HubAppeal.received_at.desc()).limit(limit))
    if status:
        query = query.where(HubAppeal.status == status)
    return [(a, record or {}) for a, record in db.session.execute(query).all()]


def decide(user, appeal_id, accept: bool, note: str, now: datetime) -> HubAppeal:
    if user.role not in DECIDING_ROLES:
        raise AppealError(_l("您无权执行此操作。"), status=403)
    note = (note or "").strip()
    if not note:
        raise AppealError(_l("请填写审核意见。"))
    if len(note) > NOTE_MAX:
        raise AppealError(_l("审核意见最多 %(n)d 个字。", n=NOTE_MAX))
    appeal_id = _uuid(appeal_id)
    appeal = db.session.get(HubAppeal, appeal_id) if appeal_id else None
    if appeal is None:
        raise AppealError(_l("找不到该申诉。"), status=404)
    if appeal.status != "pending":
        raise AppealError(_l("该申诉已经审核过。"), status=409)
    appeal.status = "accepted" if accept else "rejected"
    appeal.decided_by, appeal.decided_at, appeal.decision_note = user.username, now, note
    audit(user.username, "hub_decide_appeal", "hub_appeal", appeal.id,
          before={"status": "pending"}, after={"status": appeal.status, "note": note[:200]})
    db.session.commit()
    return appeal


def decisions_for(hall_code: str) -> list[dict]:
    """What goes down to this hall: its decided appeals the hall has not applied yet."""
    rows = db.session.scalars(sa.select(HubAppeal).where(
        HubAppeal.origin_hall == hall_code, HubAppeal.status != "pending",
        HubAppeal.applied_at.is_(None)).order_by(HubAppeal.decided_at)).all()
    return [{"appeal_id": str(a.id), "rating_id": str(a.rating_id),
             "accepted": a.status == "accepted", "note": a.decision_note or "",
             "decided_by": a.decided_by, "decided_at": iso_utc(a.decided_at)} for a in rows]
