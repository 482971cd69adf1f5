"""The 差评 workflow: 登记 → 转办 → 核实 → 整改 → 反馈 → 回访 → 办结, plus deadline
extensions (kiosk/cases/extensions.py) and appeals (kiosk/cases/appeals.py).

Each step, in one commit: the case's new state, a history row (who, when, what), an audit
row and a rating_event outbox row, so the status change syncs upstream exactly with it.
"""
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.cases.exclusions import exclude_rating
from kiosk.db_setup import write_transaction
from kiosk.departments.scope import department_scope, within
from kiosk.extensions import db
from kiosk.models import Department, Rating, User
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.models.case_decisions import CaseAppeal, CaseExtension
from kiosk.models.cases import BadCase, CaseStep
from kiosk.stats import case_rollup, indicators
from kiosk.stats.indicators import is_overdue
from kiosk.sync.events import queue_rating_event

MANAGE = ("admin", "manager")
DECIDING_ROLES = ("admin", "manager")  # approve extensions, decide appeals at the hall
VERIFY_OUTCOMES = ("founded", "unfounded", "mistaken", "malicious")
EXCLUDING_OUTCOMES = ("mistaken", "malicious")  # 误评, 恶意评价
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
    """Managers, admins and auditors see every case; a handler the cases handed to its
    department (or, without a department, the ones assigned to them by name)."""
    query = sa.select(BadCase)
    scope = department_scope(user)
    if scope is None:
        return query
    if scope:
        return query.where(within(BadCase.department_id, scope))
    return query.where(BadCase.assignee_id == user.id)


def case_for(user, case_id: int) -> BadCase:
    """The case if this user may see it; CaseError 404 otherwise (a handler does not learn
    that other handlers' cases exist)."""
    case = db.session.scalars(visible_cases(user).where(BadCase.id == case_id)).first()
    if case is None:
        raise CaseError(_l("找不到该差评工单。"), status=404)
    return case


HANDLER_ACTIONS = ("verify", "rectify", "reply", "revisit", "extend", "explain_overdue")
# Decisions that someone other than the one who asked must take.
DECISIONS = {"approve_extension": "extension", "refuse_extension": "extension",
             "decide_appeal": "appeal"}


def pending_extension(case: BadCase) -> CaseExtension | None:
    return db.session.scalars(sa.select(CaseExtension).where(
        CaseExtension.case_id == case.id, CaseExtension.status == "pending")).first()


def pending_appeal(case: BadCase) -> CaseAppeal | None:
    return db.session.scalars(sa.select(CaseAppeal).where(
        CaseAppeal.case_id == case.id, CaseAppeal.status == "pending")).first()


def is_responsible(user, case: BadCase) -> bool:
    """The case's handler (转办 target) answers for it, and may appeal it: the person it was
    handed to, or a handler of the department it was handed to."""
    if case.assignee_id == user.id:
        return True
    return (user.role == "handler" and user.department_id is not None
            and case.department_id == user.department_id)


def refusal(user, case: BadCase, action: str):
    """Why this user may not take this step on this case (None: they may)."""
    if action == "appeal":
        return None if is_responsible(user, case) else _l("只有该差评的承办人可以申诉。")
    if action in DECISIONS:
        if user.role not in DECIDING_ROLES:
            return _l("您无权执行此操作。")
        if DECISIONS[action] == "extension":
            asked = pending_extension(case)
            asker = asked and asked.requested_by
        else:
            asked = pending_appeal(case)
            asker = asked and asked.filed_by
        if asker == user.username:
            return (_l("不能审批自己提出的延期申请，须由其他管理人员审批。")
                    if DECISIONS[action] == "extension"
                    else _l("不能审核自己提出的申诉，须由其他有权人员审核。"))
        return None
    if user.role in MANAGE:
        return None
    if user.role == "handler" and is_responsible(user, case) and action in HANDLER_ACTIONS:
        return None
    return _l("您无权执行此操作。")


def may_act(user, case: BadCase, action: str) -> bool:
    return refusal(user, case, action) is None


def allowed_actions(user, case: BadCase, now: datetime | None = None) -> list[str]:
    """The steps this user can take now (for the page's forms)."""
    now = now or utcnow()
    return [a for a, rule in STEP_RULES.items()
            if may_act(user, case, a) and rule(case, now) is None]


# ---- state rules (None: allowed; otherwise the reason it is not) ---------------------------

def _rule_assign(c, _now):
    return None if c.status in ("registered", "assigned") else _l("该工单已核实，不能再转办。")


def _rule_verify(c, _now):
    return None if c.status == "assigned" else _l("只有已转办的工单可以核实。")


def _rule_rectify(c, _now):
    if c.status != "verified":
        return _l("只有已核实的工单可以登记整改。")
    return None if c.verification == "founded" else _l("核实为不属实的差评无需整改，请直接反馈。")


def _rule_reply(c, _now):
    if c.status == "rectified" or (c.status == "verified" and c.verification != "founded"):
        return None
    return _l("请先完成核实和整改，再反馈群众。")


def _rule_revisit(c, _now):
    return None if c.status == "replied" else _l("反馈群众后才能回访。")


def _rule_close(c, _now):
    if c.status == "revisited":
        return None
    if c.status == "replied":
        return None if c.rating.phone is None else _l("实名差评必须回访后才能办结。")
    return _l("反馈群众后才能办结。")


def _rule_extend(c, now):
    if c.status not in NOT_YET_DONE:
        return _l("整改已完成，无需延期。")
    if now > c.due_at:
        return _l("已超过整改期限，不能再申请延期，工单按逾期处理；可以登记逾期说明。")
    return None if pending_extension(c) is None else _l("已有一个待审批的延期申请。")


def _rule_decide_extension(c, now):
    if pending_extension(c) is None:
        return _l("没有待审批的延期申请。")
    return None if now <= c.due_at else _l("整改期限已过，延期申请已失效，不能再批准。")


def _rule_refuse_extension(c, _now):
    return None if pending_extension(c) is not None else _l("没有待审批的延期申请。")


def _rule_explain_overdue(c, now):
    return None if is_overdue(c.status, c.due_at, now) \
        else _l("工单未逾期，无需逾期说明。")


def _rule_appeal(c, _now):
    if c.status == "closed":
        return _l("工单已办结。")
    if c.rating.excluded:
        return _l("该评价已不计入统计。")
    return None if c.appeal_status == "none" else _l("该差评已经申诉过。")


def _rule_decide(c, _now):
    appeal = pending_appeal(c)
    if appeal is None:
        return _l("没有待审核的申诉。")
    return None if appeal.decider == "hall" else _l("该申诉已提交上级复核，由上级作出决定。")


STEP_RULES: dict[str, Callable] = {
    "assign": _rule_assign, "transfer": _rule_assign, "verify": _rule_verify,
    "rectify": _rule_rectify,
    "reply": _rule_reply, "revisit": _rule_revisit, "close": _rule_close,
    "extend": _rule_extend, "approve_extension": _rule_decide_extension,
    "refuse_extension": _rule_refuse_extension, "explain_overdue": _rule_explain_overdue,
    "appeal": _rule_appeal, "decide_appeal": _rule_decide,
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
          *, now: datetime | None = None, status_event: bool = True) -> BadCase:
    """Runs one step in one write transaction; change() mutates the case and returns the new
    status. status_event: queue a case_status event upstream (steps that change nothing the
    upstreams track, such as a request still to be decided, do not)."""
    now = now or utcnow()
    with write_transaction(db.session()):
        case = case_for(user, case_id)
        why_not = refusal(user, case, action)
        if why_not is not None:
            raise CaseError(why_not, status=403)
        problem = STEP_RULES[action](case, now)
        if problem is not None:
            raise CaseError(problem, status=409)
        before = {"status": case.status, "appeal_status": case.appeal_status,
                  "due_at": case.due_at.isoformat()}
        with case_rollup.tracking(db.session.connection(), case.id, flush=db.session.flush):
            to_status = change(case, now)
            case.status = to_status
        db.session.add(CaseStep(case_id=case.id, at=now, actor=user.username, action=action,
                                from_status=before["status"], to_status=to_status, note=note))
        audit(user.username, f"case_{action}", "bad_case", case.id, before=before,
              after={"status": to_status, "appeal_status": case.appeal_status,
                     "due_at": case.due_at.isoformat(), "note": note[:200]})
        if status_event:
            queue_rating_event(db.session, case.rating_id, "case_status", status=to_status,
                               due_at=case.due_at, note=f"{action}: {note}"[:500], at=now,
                               facts={"action": action, "from_status": before["status"]})
        db.session.commit()
    return db.session.get(BadCase, case_id)


def assign(user, case_id: int, assignee_id: int, note: str = "", now=None) -> BadCase:
    """Hands the case to one person; it goes to that person's department with them."""
    assignee = db.session.get(User, assignee_id)
    if assignee is None or not assignee.active or assignee.role not in ("handler", *MANAGE):
        raise CaseError(_l("请选择有效的承办人。"))
    note = _text(note, _l("转办说明"), required=False)

    def change(case, _now):
        case.assignee_id = assignee.id
        if assignee.department_id is not None:
            case.department_id = assignee.department_id
        return "assigned"

    return _step(user, case_id, "assign", f"→ {assignee.username} {note}".strip(), change,
                 now=now)


def transfer(user, case_id: int, department_id: int, note: str = "", now=None) -> BadCase:
    """转办 to a department: every handler of it sees the case; nobody holds it by name."""
    department = db.session.get(Department, department_id)
    if department is None or not department.active:
        raise CaseError(_l("请选择有效的承办部门。"))
    note = _text(note, _l("转办说明"), required=False)

    def change(case, _now):
        case.department_id, case.assignee_id = department.id, None
        return "assigned"

    return _step(user, case_id, "transfer", f"→ {department.name} {note}".strip(), change,
                 now=now)


def verify(user, case_id: int, outcome: str, note: str, now=None) -> BadCase:
    """误评/恶意 found by 核实 takes the rating out of the statistics at once (kept, marked)."""
    if outcome not in VERIFY_OUTCOMES:
        raise CaseError(_l("请选择核实结果。"))
    note = _text(note, _l("核实情况"))

    def change(case, at):
        case.verification = outcome
        if outcome in EXCLUDING_OUTCOMES:
            exclude_rating(db.session.connection(), rating_id=case.rating_id, case_id=case.id,
                           ground=outcome, source="verification", decided_by=user.username,
                           at=at, note=note)
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


def set_publishable(user, case_id: int, publishable: bool, now=None) -> BadCase:
    """A manager allows (or withdraws) the case's rectification text on the public 公开
    page. Logged like a step; changes nothing else and nothing upstream."""
    if user.role not in MANAGE:
        raise CaseError(_l("您无权执行此操作。"), status=403)
    now = now or utcnow()
    with write_transaction(db.session()):
        case = case_for(user, case_id)
        before = case.publishable
        case.publishable = publishable
        db.session.add(CaseStep(case_id=case.id, at=now, actor=user.username,
                                action="publish" if publishable else "unpublish",
                                from_status=case.status, to_status=case.status, note=""))
        audit(user.username, "case_publishable", "bad_case", case.id,
              before={"publishable": before}, after={"publishable": publishable})
        db.session.commit()
    return db.session.get(BadCase, case_id)


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
        .order_by(User.department_id, User.role, User.username)))


def assignable_departments() -> list[Department]:
    return list(db.session.scalars(
        sa.select(Department).where(Department.active).order_by(Department.name)))
