"""A few weeks of the demo hall's past: invitations, ratings and 差评 cases handled by each
department, so that every statistics page, report and screen shows real-looking figures.

Everything goes through the services a hall runs (the ratings service, the case workflow,
the default-rating job) with their `now` set to the past moment, so rollups, outbox
records, deadlines and the ledger are exactly what those days would have produced. Only
the invitation rows are written directly: the business API stamps them with the present.
Deterministic for a given seed; run once on an empty hall (`flask demo --history`).
"""
import contextlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from kiosk.auth.passwords import hash_password
from kiosk.cases import extensions
from kiosk.cases import service as cases
from kiosk.default_ratings import record_defaults
from kiosk.extensions import db
from kiosk.invitations.service import rating_deadline
from kiosk.models import Department, Invitation, Rating, User, Window
from kiosk.models.base import utcnow
from kiosk.models.cases import BadCase
from kiosk.ratings.levels import SCALE_LEVELS
from kiosk.ratings.service import current_reasons, record_rating
from kiosk.seed import DEMO_DEPARTMENTS, seed_departments
from kiosk.timeutil import to_local, to_utc
from kiosk.workdays import is_workday

# Share of 差评 per window: some departments do visibly worse than others.
BAD_SHARE = {"B02": 0.09, "A03": 0.05, "C01": 0.04, "A01": 0.03, "A02": 0.025,
             "B01": 0.02, "C02": 0.02, "D01": 0.015}
GOOD_LEVELS = (1, 1, 1, 1, 1, 2, 2, 2, 3)  # 非常满意 … 基本满意, by weight
RATED_SHARE = 0.82  # the rest are left to the default rating after 5 working days
COMMENTS_BAD = ["排队时间太长", "材料要求一次没说清楚，跑了两趟", "窗口人员态度冷淡",
                "系统一直卡顿", "叫号屏和窗口对不上", "取号机坏了没人管"]
COMMENTS_GOOD = ["办事很快，谢谢", "工作人员耐心", "", "", "", ""]
HANDLING = ["已对窗口人员进行业务培训", "增设午间弹性窗口", "更新一次性告知单",
            "维修取号设备并每日巡检", "调整高峰期人员排班"]


@dataclass(frozen=True)
class _Window:
    code: str
    scale: int
    staff_id: int | None
    items: tuple
    id: int


@dataclass
class HistorySummary:
    invitations: int = 0
    ratings: int = 0
    cases: int = 0
    defaults: int = 0


def _local(day: date, hour: float) -> datetime:
    return to_utc(datetime.combine(day, time(0)) + timedelta(hours=hour))


def _working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def ensure_people(password: str | None) -> dict[str, User]:
    """A manager and one handler per demo department (usernames as in DEMO_DEPARTMENTS).
    Without a password the accounts cannot log in (no default passwords)."""
    secret = hash_password(password) if password else "!"  # "!" matches no argon2 hash
    departments = seed_departments()
    people = {}
    for username, role, dept_key in [("manager", "manager", None),
                                     *[(key, "handler", key) for key, _ in DEMO_DEPARTMENTS]]:
        user = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if user is None:
            dept = departments[dept_key] if dept_key else None
            user = User(username=username, role=role, password_hash=secret,
                        display_name=(dept.name + "承办人") if dept else "大厅管理员",
                        department_id=dept.id if dept else None)
            db.session.add(user)
        people[username] = user
    db.session.commit()
    return people


@contextlib.contextmanager
def _no_fsync_per_commit(engine):
    """Thousands of past ratings, each its own durable commit, would wait for the disk
    thousands of times. A half-written demo history is simply seeded again, so connections
    opened meanwhile skip the fsync; the hall's own connections are untouched."""
    if engine.dialect.name != "sqlite":
        yield
        return

    def relax(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    engine.dispose()
    event.listen(engine, "connect", relax)
    try:
        yield
    finally:
        event.remove(engine, "connect", relax)
        engine.dispose()


def seed_history(*, weeks: int = 4, seed: int = 2026, password: str | None = None,
                 today: date | None = None, per_window_day: tuple[int, int] = (10, 25)
                 ) -> HistorySummary:
    """`per_window_day`: how many cases a window serves a day (low, high)."""
    with _no_fsync_per_commit(db.engine):
        return _seed_history(weeks, seed, password, today, per_window_day)


def _seed_history(weeks, seed, password, today, per_window_day) -> HistorySummary:
    rng = random.Random(seed)
    now = utcnow()
    today = today or to_local(now).date()
    people = ensure_people(password)
    reasons = [item["code"] for item in current_reasons().items]
    windows = [
        _Window(w.code, w.scale, w.staff_id, tuple(s.id for s in w.services) or (None,), w.id)
        for w in db.session.scalars(sa.select(Window).order_by(Window.code))
    ]
    dept_key = {d.id: key for key, d in seed_departments().items()}
    db.session.commit()
    summary = HistorySummary()
    bad: list[tuple] = []  # (rating id, rated at) of each 差评
    serial = 0
    for day in _working_days(today - timedelta(weeks=weeks), today - timedelta(days=1)):
        for window in windows:
            rows = []
            for _ in range(rng.randint(*per_window_day)):
                serial += 1
                at = _local(day, rng.uniform(9.0, 17.3))
                rows.append({
                    "case_no": f"DEMO-{day:%Y%m%d}-{serial:05d}", "window_id": window.id,
                    "service_id": rng.choice(window.items), "staff_id": window.staff_id,
                    "invited_at": at, "screen_until": at + timedelta(minutes=2),
                    "expires_at": rating_deadline(at), "status": "pending",
                    "client": "demo-business-system"})
            invited = db.session.execute(
                sa.insert(Invitation).returning(Invitation.id, Invitation.invited_at,
                                                sort_by_parameter_order=True), rows).all()
            db.session.commit()
            summary.invitations += len(invited)
            for inv_id, invited_at in invited:
                if rng.random() > RATED_SHARE:
                    continue
                rating_at = invited_at + timedelta(seconds=rng.randint(5, 90))
                rating_id = _rate(rng, window, inv_id, rating_at, reasons)
                summary.ratings += 1
                if rating_id is not None:
                    bad.append((rating_id, rating_at))
            for _ in range(rng.randint(0, 3)):  # a citizen scans the window's QR unasked
                at = _local(day, rng.uniform(9.0, 17.5))
                level = rng.choice(GOOD_LEVELS if rng.random() > 0.1 else (4, 5))
                level = level if level in SCALE_LEVELS[window.scale] else 3
                stored = record_rating(
                    window_code=window.code, level=level, channel="qr",
                    reasons=[rng.choice(reasons)] if level >= 4 else [],
                    comment=rng.choice(COMMENTS_GOOD if level < 4 else COMMENTS_BAD),
                    rated_at=at, now=at)
                summary.ratings += 1
                if level >= 4:  # a QR 差评 is handled like any other
                    bad.append((stored.rating.id, at))
    for rating_id, rated_at in bad:
        case = db.session.scalars(sa.select(BadCase).where(BadCase.rating_id == rating_id)).one()
        summary.cases += 1
        _handle(rng, people, dept_key, case.id, rated_at, now)
    summary.defaults = sum(o.recorded for o in record_defaults(now))
    return summary


def _rate(rng, window, invitation_id: int, at: datetime, reasons):
    """One citizen's rating of an invited case; the rating id when it is a 差评."""
    bad = rng.random() < BAD_SHARE.get(window.code, 0.03)
    allowed = SCALE_LEVELS[window.scale]
    if bad:
        level = rng.choice([lv for lv in (4, 4, 5) if lv in allowed])
    else:
        level = rng.choice(GOOD_LEVELS)
        level = level if level in allowed else 2
    channel = "touch" if bad or rng.random() < 0.5 else "evaluator"
    phone = f"139{rng.randint(0, 99_999_999):08d}" if bad and rng.random() < 0.5 else None
    result = record_rating(
        window_code=window.code, level=level, channel=channel, invitation_id=invitation_id,
        reasons=rng.sample(reasons, rng.randint(1, 2)) if bad else [],
        comment=rng.choice(COMMENTS_BAD) if bad and channel == "touch" else "",
        phone=phone, rated_at=at, now=at)
    return result.rating.id if bad else None


def _handle(rng, people, dept_key, case_id: int, registered: datetime, now: datetime) -> None:
    """Takes a case as far as its age allows: the older, the further, with a few left
    overdue, one extended, and some found unfounded or mistaken."""
    case = db.session.get(BadCase, case_id)
    manager = people["manager"]
    handler = people[dept_key[case.department_id]] if case.department_id else manager
    age_days = (now - registered).days
    at = registered + timedelta(hours=rng.uniform(1, 20))
    if age_days < 2 or at >= now:
        return  # still 登记, waiting for the manager
    dept = db.session.get(Department, case.department_id)
    if case_id % 2:  # half go to the department's handler by name, half to the department
        cases.assign(manager, case_id, handler.id, "请核实处理", now=at)
    else:
        cases.transfer(manager, case_id, dept.id, "请核实处理", now=at)
    stuck = rng.random() < 0.12  # a department that lets the case lie: overdue later
    if stuck or age_days < 5:
        return
    if rng.random() < 0.15 and age_days > 8:
        extensions.request_extension(handler, case_id, to_local(case.due_at).date()
                                     + timedelta(days=10), "需协调不动产权籍调查",
                                     now=at + timedelta(hours=2))
        extensions.approve_extension(manager, case_id, "同意延期", now=at + timedelta(hours=5))
    outcome = rng.choices(["founded", "unfounded", "mistaken"], weights=(80, 15, 5))[0]
    at += timedelta(days=rng.uniform(0.5, 3))
    if at >= now:
        return
    cases.verify(handler, case_id, outcome, {"founded": "经调取录像核实，情况属实",
                                             "unfounded": "经核实，材料不全需补正，属正常告知",
                                             "mistaken": "群众确认误按评价键"}[outcome], now=at)
    if outcome == "mistaken":
        return
    if outcome == "founded":
        at += timedelta(days=rng.uniform(1, 8))
        if at >= now:
            return
        cases.rectify(handler, case_id, rng.choice(HANDLING), now=at)
    at += timedelta(days=rng.uniform(0.2, 2))
    if at >= now:
        return
    cases.reply(handler, case_id, "您反映的问题已核实处理，感谢监督。", now=at)
    real_name = db.session.get(Rating, case.rating_id).phone is not None
    if real_name:
        at += timedelta(days=rng.uniform(0.5, 3))
        if at >= now:
            return
        cases.revisit(handler, case_id, rng.choice(["satisfied", "satisfied", "basic",
                                                    "unsatisfied"]), "电话回访", now=at)
    at += timedelta(days=rng.uniform(0.2, 2))
    if at < now and rng.random() < 0.8:
        cases.close(manager, case_id, "办结", now=at)
