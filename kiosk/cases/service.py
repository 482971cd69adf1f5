"""The 差评 workflow: 登记 → 转办 → 核实 → 整改 → 反馈 → 回访 → 办结, plus deadline
extensions and appeals (申诉).

Each step, in one commit: the case's new state, a history row (who, when, what), an audit
row and a rating_event outbox row, so the status change syncs upstream exactly with it.
"""
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models import Rating, User
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.models.cases import BadCase, CaseStep
from kiosk.stats import indicators, rollup
from kiosk.stats.indicators import is_overdue
from kiosk.sync.events import queue_rating_event
from kiosk.timeutil import to_utc

MANAGE = ("admin", "manager")
ALL_READERS = ("admin", "manager", "auditor")
OPEN_STATUSES = ("registered", "assigned", "verified", "rectified", "replied", "revisited")
NOT_YET_DONE = ("registered", "assigned", "verified")
REVISIT_RESULTS = ("satisfied", "basic", "unsatisfied")
TEXT_MAX = 2000


class CaseError(Exception):
    def __init__(self, message, status: int = 400):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


# ---- who sees what -----------------------------------------------------------------------

def visible_cases(user) -> sa.Select:
    """Managers, admins and auditors see every case; a handler only the ones assigned to them."""
    query = sa.select(BadCase)
    if user.role not in ALL_READERS:
        query = query.where(BadCase.assignee_id == user.id)
    return query


def case_for(user, case_id: int) -> BadCase:
    """The case if this user may see it; CaseError 404 otherwise (a handler does not learn
    that other handlers' cases exist)."""
    case = db.session.scalars(visible_cases(user).where(BadCase.id == case_id)).first()
    if case is None:
        raise CaseError(_l("找不到该差评工单。"), status=404)
    return case


def may_act(user, case: BadCase, action: str) -> bool:
    if user.role in MANAGE:
        return True
    if user.role == "handler" and case.assignee_id == user.id:
        return action in ("verify", "rectify", "reply", "revisit", "extend", "appeal")
    return False


def allowed_actions(user, case: BadCase) -> list[str]:
    """The steps this user can take now (for the page's forms)."""
    return [a for a, rule in STEP_RULES.items()
            if may_act(user, case, a) and rule(case) is None]


# ---- state rules (None: allowed; otherwise the reason it is not) ---------------------------

def _rule_assign(c):
    return None if c.status in ("registered", "assigned") else _l("该工单已核实，不能再转办。")


def _rule_verify(c):
    return None if c.status == "assigned" else _l("只有已转办的工单可以核实。")


def _rule_rectify(c):
    if c.status != "verified":
        return _l("只有已核实的工单可以登记整改。")
    return None if c.verification == "founded" else _l("核实为不属实的差评无需整改，请直接反馈。")


def _rule_reply(c):
    if c.status == "rectified" or (c.status == "verified" and c.verification != "founded"):
        return None
    return _l("请先完成核实和整改，再反馈群众。")


def _rule_revisit(c):
    return None if c.status == "replied" else _l("反馈群众后才能回访。")


def _rule_close(c):
    if c.status == "revisited":
        return None
    if c.status == "replied":
        return None if c.rating.phone is None else _l("实名差评必须回访后才能办结。")
    return _l("反馈群众后才能办结。")


def _rule_extend(c):
    return None if c.status in NOT_YET_DONE else _l("整改已完成，无需延期。")


def _rule_appeal(c):
    if c.status == "closed":
        return _l("工单已办结。")
    return None if c.appeal_status == "none" else _l("该差评已经申诉过。")


def _rule_decide(c):
    return None if c.appeal_status == "pending" else _l("没有待审核的申诉。")


STEP_RULES: dict[str, Callable] = {
    "assign": _rule_assign, "verify": _rule_verify, "rectify": _rule_rectify,
    "reply": _rule_reply, "revisit": _rule_revisit, "close": _rule_close,
    "extend": _rule_extend, "appeal": _rule_appeal, "decide_appeal": _rule_decide,
}


# ---- the steps -------------------------------------------------------------------------

def _text(value, label, *, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(_l("请填写%(label)s。", label=label))
    if len(value) > TEXT_MAX:
        raise CaseError(_l("%(label)s最多 %(n)d 个字。", label=label, n=TEXT_MAX))
    return value


def _step(user, case_id: int, action: str, note: str, change: Callable[[BadCase, datetime], str],
          *, now: datetime | None = None) -> BadCase:
    """Runs one step in one write transaction; change() mutates the case and returns the new
    status."""
    now = now or utcnow()
    with write_transaction(db.session()):
        case = case_for(user, case_id)
        if not may_act(user, case, action):
            raise CaseError(_l("您无权执行此操作。"), status=403)
        problem = STEP_RULES[action](case)
        if problem is not None:
            raise CaseError(problem, status=409)
        before = {"status": case.status, "appeal_status": case.appeal_status,
                  "due_at": case.due_at.isoformat()}
        to_status = change(case, now)
        db.session.add(CaseStep(case_id=case.id, at=now, actor=user.username, action=action,
                                from_status=before["status"], to_status=to_status, note=note))
        case.status = to_status
        audit(user.username, f"case_{action}", "bad_case", case.id, before=before,
              after={"status": to_status, "appeal_status": case.appeal_status,
                     "due_at": case.due_at.isoformat(), "note": note[:200]})
        queue_rating_event(db.session, case.rating_id, "case_status", status=to_status,
                           due_at=case.due_at, note=f"{action}: {note}"[:500], at=now)
        db.session.commit()
    return db.session.get(BadCase, case_id)


def assign(user, case_id: int, assignee_id: int, note: str = "", now=None) -> BadCase:
    assignee = db.session.get(User, assignee_id)
    if assignee is None or not assignee.active or assignee.role not in ("handler", *MANAGE):
        raise CaseError(_l("请选择有效的承办人。"))
    note = _text(note, _l("转办说明"), required=False)

    def change(case, _now):
        case.assignee_id = assignee.id
        return "assigned"

    return _step(user, case_id, "assign", f"→ {assignee.username} {note}".strip(), change,
                 now=now)


def verify(user, case_id: int, outcome: str, note: str, now=None) -> BadCase:
    if outcome not in ("founded", "unfounded", "mistaken"):
        raise CaseError(_l("请选择核实结果。"))
    note = _text(note, _l("核实情况"))

    def change(case, _now):
        case.verification = outcome
        return "verified"

    return _step(user, case_id, "verify", f"[{outcome}] {note}", change, now=now)


def rectify(user, case_id: int, what: str, now=None) -> BadCase:
    what = _text(what, _l("整改措施"))

    def change(case, at):
        case.rectification = what
        case.done_at = at
        return "rectified"

    return _step(user, case_id, "rectify", what, change, now=now)


def reply(user, case_id: int, text: str, now=None) -> BadCase:
    text = _text(text, _l("反馈内容"))

    def change(case, at):
        case.reply = text
        if case.done_at is None:  # nothing to rectify: the reply finishes the handling
            case.done_at = at
        return "replied"

    return _step(user, case_id, "reply", text, change, now=now)


def revisit(user, case_id: int, result: str, note: str = "", now=None) -> BadCase:
    if result not in REVISIT_RESULTS:
        raise CaseError(_l("请选择群众对处理结果的满意程度。"))
    note = _text(note, _l("回访记录"), required=False)

    def change(case, at):
        case.revisit_result, case.revisit_note, case.revisited_at = result, note, at
        return "revisited"

    return _step(user, case_id, "revisit", f"[{result}] {note}".strip(), change, now=now)


def close(user, case_id: int, note: str = "", now=None) -> BadCase:
    note = _text(note, _l("办结说明"), required=False)

    def change(case, at):
        case.closed_at = at
        return "closed"

    return _step(user, case_id, "close", note, change, now=now)


def extend(user, case_id: int, new_date: date, reason: str, now=None) -> BadCase:
    reason = _text(reason, _l("延期原因"))
    new_due = to_utc(datetime.combine(new_date, datetime.max.time()).replace(microsecond=0))

    def change(case, _now):
        if new_due <= case.due_at:
            raise CaseError(_l("新的整改期限必须晚于当前期限。"))
        case.due_at, case.extension_reason = new_due, reason
        return case.status

    return _step(user, case_id, "extend", f"{new_date.isoformat()}: {reason}", change, now=now)


def appeal(user, case_id: int, reason: str, now=None) -> BadCase:
    reason = _text(reason, _l("申诉理由"))

    def change(case, _now):
        case.appeal_status, case.appeal_reason = "pending", reason
        return case.status

    return _step(user, case_id, "appeal", reason, change, now=now)


def decide_appeal(user, case_id: int, accept: bool, note: str, now=None) -> BadCase:
    """Accepted: the 差评 is excluded from statistics (never deleted) and the case closes."""
    note = _text(note, _l("审核意见"))

    def change(case, at):
        if not accept:
            case.appeal_status = "rejected"
            return case.status
        case.appeal_status = "accepted"
        case.verification = "mistaken"
        case.closed_at = at
        rating = case.rating
        rating.excluded = True
        rollup.remove_rating(db.session.connection(), level=rating.level,
                             rated_at=rating.rated_at, window_id=rating.window_id,
                             staff_id=rating.staff_id, service_id=rating.service_id)
        audit(user.username, "exclude", "rating", rating.id, before={"excluded": False},
              after={"excluded": True})
        queue_rating_event(db.session, rating.id, "excluded", note=note[:500], at=at)
        return "closed"

    action_note = ("accepted: " if accept else "rejected: ") + note
    return _step(user, case_id, "decide_appeal", action_note, change, now=now)


# ---- queries ---------------------------------------------------------------------------

def overdue_clause(now: datetime):
    return indicators.overdue_condition(BadCase.status, BadCase.due_at, now)


def open_and_overdue_counts(now: datetime | None = None, user=None) -> dict:
    """{"open", "overdue"} as kiosk.stats.indicators defines them, over the cases this user
    sees (all without a user); cases of excluded ratings count in neither."""
    now = now or utcnow()
    base = visible_cases(user) if user is not None else sa.select(BadCase)
    sub = base.join(Rating, Rating.id == BadCase.rating_id).where(
        sa.not_(Rating.excluded)).subquery()
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(indicators.open_condition(sub.c.status)),
            sa.func.count().filter(indicators.overdue_condition(sub.c.status, sub.c.due_at,
                                                                now)),
        ).select_from(sub)
    ).one()
    return {"open": row[0], "overdue": row[1]}


def list_cases(user, *, status: str | None = None, overdue: bool = False, now=None,
               limit: int = 500) -> list[tuple[BadCase, Rating, bool]]:
    now = now or utcnow()
    query = visible_cases(user).join(Rating, Rating.id == BadCase.rating_id).add_columns(Rating)
    if status:
        query = query.where(BadCase.status == status)
    if overdue:
        query = query.where(overdue_clause(now))
    rows = db.session.execute(query.order_by(BadCase.id.desc()).limit(limit)).all()
    return [(c, r, is_overdue(c.status, c.due_at, now)) for c, r in rows]


def assignable_users() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.active, User.role.in_(("handler", "manager")))
        .order_by(User.role, User.username)))
