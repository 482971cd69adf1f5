"""Excluding a rating from statistics (Core statements, in the caller's write transaction).

A 差评 verified as 误评 or 恶意 — by 核实 or by an accepted appeal — counts in no statistic:
the rating is kept, marked excluded, taken out of the rollups, and the decision (ground,
source, who, when) is kept beside it. Its upstreams get an "excluded" event in the same
commit.
"""
from datetime import datetime

import sqlalchemy as sa

from kiosk.models import AuditLog, Rating
from kiosk.models.case_decisions import RatingExclusion
from kiosk.stats import case_rollup, rollup
from kiosk.sync.events import queue_rating_event

GROUND_OF_VERIFICATION = {"mistaken": "mistaken", "malicious": "malicious"}


def exclude_rating(conn, *, rating_id, case_id: int, ground: str, source: str, decided_by: str,
                   at: datetime, note: str = "", appeal_id=None) -> bool:
    """False if the rating was already excluded (nothing changes twice)."""
    rating = Rating.__table__
    row = conn.execute(sa.select(rating.c.level, rating.c.rated_at, rating.c.window_id,
                                 rating.c.staff_id, rating.c.service_id, rating.c.excluded)
                       .where(rating.c.id == rating_id)).one()
    if row.excluded:
        return False
    with case_rollup.tracking(conn, case_id):
        conn.execute(rating.update().where(rating.c.id == rating_id).values(excluded=True))
    conn.execute(sa.insert(RatingExclusion).values(
        rating_id=rating_id, case_id=case_id, ground=ground, source=source, appeal_id=appeal_id,
        decided_by=decided_by, decided_at=at, note=note))
    rollup.remove_rating(conn, rating_id)
    conn.execute(sa.insert(AuditLog).values(
        at=at, actor=decided_by, action="exclude", entity="rating", entity_id=str(rating_id),
        before={"excluded": False},
        after={"excluded": True, "ground": ground, "source": source}))
    queue_rating_event(conn, rating_id, "excluded", note=note[:500], at=at,
                       facts={"ground": ground, "source": source, "decided_by": decided_by,
                              "appeal_id": None if appeal_id is None else str(appeal_id)})
    return True


def exclusion_of(conn, rating_id):
    return conn.execute(sa.select(RatingExclusion)
                        .where(RatingExclusion.rating_id == rating_id)).first()
