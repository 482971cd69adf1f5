"""A hub supervisor marks an integrity incident as reviewed, with a comment. The review is
added beside what was found (audited); the incident, its records and the chain stay as
they are: nothing is deleted or repaired, and an incident is reviewed once."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.models import HubIntegrityIncident
from kiosk.models.audit import audit

REVIEWING_ROLES = ("admin", "manager")
NOTE_MAX = 500


class ReviewError(Exception):
    def __init__(self, message, status: int = 400):
        super().__init__(str(message))
        self.message, self.status = str(message), status


def review(user, incident_id: int, note: str, now: datetime) -> HubIntegrityIncident:
    if user.role not in REVIEWING_ROLES:
        raise ReviewError(_l("您无权执行此操作。"), status=403)
    note = (note or "").strip()
    if not note:
        raise ReviewError(_l("请填写复核意见。"))
    if len(note) > NOTE_MAX:
        raise ReviewError(_l("复核意见最多 %(n)d 个字。", n=NOTE_MAX))
    incident = db.session.get(HubIntegrityIncident, incident_id)
    if incident is None:
        raise ReviewError(_l("找不到该异常。"), status=404)
    i = HubIntegrityIncident
    # Only the review columns, and only while unreviewed: two supervisors at once, one wins.
    done = db.session.execute(
        sa.update(i).where(i.id == incident_id, i.reviewed_at.is_(None))
        .values(reviewed_at=now, reviewed_by=user.username, review_note=note)).rowcount
    if not done:
        db.session.rollback()
        raise ReviewError(_l("此异常已复核过。"), status=409)
    audit(user.username, "hub_review_incident", "hub_integrity_incident", incident_id,
          before={"reviewed": False},
          after={"reviewed": True, "hall": incident.hall_code, "kind": incident.kind,
                 "seq_from": incident.seq_from, "seq_to": incident.seq_to, "note": note[:200]})
    db.session.commit()
    return incident


def listing(hall: str | None = None, unreviewed_only: bool = False,
            limit: int = 200) -> list[HubIntegrityIncident]:
    """Incidents newest first; unreviewed ones first when all are shown."""
    i = HubIntegrityIncident
    query = sa.select(i).order_by(i.reviewed_at.is_not(None), i.id.desc()).limit(limit)
    if hall:
        query = query.where(i.hall_code == hall)
    if unreviewed_only:
        query = query.where(i.reviewed_at.is_(None))
    return list(db.session.scalars(query))
