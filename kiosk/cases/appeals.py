"""Appeals against a 差评 (申诉复核).

The case's handler files one, claiming 误评 or 恶意. Who decides is the hall's setting
APPEAL_DECIDER: "manager" (a manager or admin of the hall other than the appellant) or "hub"
(forwarded upward with the appeal event; the hub's decision comes back with the hall's
published config and is applied by the sync daemon through settle_appeal, the same function
the hall's own decision uses). An accepted appeal excludes the rating from statistics and
closes the case; a rejected one lets the handling go on.
"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from uuid6 import uuid7

from kiosk.cases.exclusions import exclude_rating
from kiosk.cases.service import (
    STEP_RULES,
    CaseError,
    _step,
    _text,
    case_for,
    pending_appeal,
    refusal,
)
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import AuditLog
from kiosk.models.base import utcnow
from kiosk.models.case_decisions import EXCLUSION_GROUNDS, CaseAppeal
from kiosk.models.cases import BadCase, CaseStep
from kiosk.stats import case_rollup
from kiosk.sync.events import queue_rating_event

DECIDERS = {"manager": "hall", "hub": "hub"}


def configured_decider() -> str:
    setting = current_app.config.get("APPEAL_DECIDER", "manager")
    if setting not in DECIDERS:
        raise CaseError(_l("申诉审核方式配置无效（APPEAL_DECIDER 应为 manager 或 hub）。"),
                        status=500)
    return DECIDERS[setting]


def file_appeal(user, case_id: int, reason: str, ground: str = "mistaken", now=None):
    if ground not in EXCLUSION_GROUNDS:
        raise CaseError(_l("请选择申诉理由类别（误评或恶意评价）。"))
    reason = _text(reason, _l("申诉理由"))
    decider = configured_decider()

    def change(case, at):
        appeal_id = uuid7()
        db.session.add(CaseAppeal(id=appeal_id, case_id=case.id, filed_by=user.username,
                                  filed_at=at, reason=reason, ground=ground, decider=decider))
        case.appeal_status, case.appeal_reason = "pending", reason
        queue_rating_event(db.session, case.rating_id, "appeal", note=reason[:500], at=at,
                           facts={"appeal_id": str(appeal_id), "decider": decider,
                                  "ground": ground, "filed_by": user.username})
        return case.status

    return _step(user, case_id, "appeal", f"[{ground}→{decider}] {reason}", change, now=now,
                 status_event=False)


def decide_appeal(user, case_id: int, accept: bool, note: str, now=None) -> BadCase:
    """A decision at the hall, by someone with the deciding role who did not file it."""
    note = _text(note, _l("审核意见"))
    now = now or utcnow()
    with write_transaction(db.session()) as conn:
        case = case_for(user, case_id)
        why_not = refusal(user, case, "decide_appeal")
        if why_not is not None:
            raise CaseError(why_not, status=403)
        problem = STEP_RULES["decide_appeal"](case, now)
        if problem is not None:
            raise CaseError(problem, status=409)
        settle_appeal(conn, pending_appeal(case).id, accept=accept, note=note,
                      decided_by=user.username, at=now)
        db.session.commit()
    return db.session.get(BadCase, case_id)


def settle_appeal(conn, appeal_id, *, accept: bool, note: str, decided_by: str,
                  at: datetime) -> bool:
    """Records the decision on a pending appeal (Core statements, caller's transaction).
    False if the appeal is unknown or already decided: a decision is applied once."""
    appeal = CaseAppeal.__table__
    case = BadCase.__table__
    appeal_id = appeal_id if isinstance(appeal_id, uuid.UUID) else uuid.UUID(str(appeal_id))
    row = conn.execute(sa.select(appeal.c.case_id, appeal.c.ground, appeal.c.status)
                       .where(appeal.c.id == appeal_id)).first()
    if row is None or row.status != "pending":
        return False
    c = conn.execute(sa.select(case.c.id, case.c.rating_id, case.c.status, case.c.due_at)
                     .where(case.c.id == row.case_id)).one()
    outcome = "accepted" if accept else "rejected"
    with case_rollup.tracking(conn, c.id):
        _settle(conn, appeal_id, c, row, accept=accept, outcome=outcome, note=note,
                decided_by=decided_by, at=at)
    return True


def _settle(conn, appeal_id, c, row, *, accept, outcome, note, decided_by, at) -> None:
    """The decision's rows (inside settle_appeal's case_rollup.tracking())."""
    appeal = CaseAppeal.__table__
    case = BadCase.__table__
    conn.execute(appeal.update().where(appeal.c.id == appeal_id).values(
        status=outcome, decided_by=decided_by, decided_at=at, decision_note=note))
    to_status = "closed" if accept else c.status
    changes = {"appeal_status": outcome}
    if accept:
        changes.update(verification=row.ground, closed_at=at, status="closed")
    conn.execute(case.update().where(case.c.id == c.id).values(**changes))
    step_note = f"{outcome}: {note}"
    conn.execute(sa.insert(CaseStep).values(
        case_id=c.id, at=at, actor=decided_by[:64], action="decide_appeal",
        from_status=c.status, to_status=to_status, note=step_note))
    conn.execute(sa.insert(AuditLog).values(
        at=at, actor=decided_by, action="case_decide_appeal", entity="bad_case",
        entity_id=str(c.id), before={"status": c.status, "appeal_status": "pending"},
        after={"status": to_status, "appeal_status": outcome, "note": note[:200]}))
    queue_rating_event(conn, c.rating_id, "appeal_decided", note=note[:500], at=at,
                       facts={"appeal_id": str(appeal_id), "accepted": accept,
                              "decided_by": decided_by})
    if accept:
        exclude_rating(conn, rating_id=c.rating_id, case_id=c.id, ground=row.ground,
                       source="appeal", decided_by=decided_by, at=at, note=note,
                       appeal_id=appeal_id)
        queue_rating_event(conn, c.rating_id, "case_status", status="closed", due_at=c.due_at,
                           note=f"decide_appeal: {step_note}"[:500], at=at,
                           facts={"action": "decide_appeal", "from_status": c.status})


def _hub_time(value) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else None


def apply_hub_decisions(conn, decisions, now: datetime) -> int:
    """The hub's decisions on appeals this hall forwarded (from its published config; the
    sync daemon, no request). Only appeals forwarded to the hub are decided this way, each
    once; anything malformed is skipped. Returns how many were applied."""
    applied = 0
    for d in decisions if isinstance(decisions, list) else []:
        if not isinstance(d, dict) or not isinstance(d.get("accepted"), bool):
            continue
        try:
            appeal_id = uuid.UUID(str(d.get("appeal_id")))
        except ValueError:
            continue
        decider = conn.execute(sa.select(CaseAppeal.decider)
                               .where(CaseAppeal.id == appeal_id)).scalar()
        if decider != "hub":
            continue
        who = f"hub:{str(d.get('decided_by') or '')[:60]}"
        decided_at = _hub_time(d.get("decided_at")) or now
        if settle_appeal(conn, appeal_id, accept=d["accepted"],
                         note=str(d.get("note") or "")[:2000], decided_by=who,
                         at=min(decided_at, now)):
            applied += 1
    return applied


def appeals_of(case_id: int) -> list[CaseAppeal]:
    return list(db.session.scalars(sa.select(CaseAppeal).where(CaseAppeal.case_id == case_id)
                                   .order_by(CaseAppeal.filed_at)))
