"""What the hall manager's start page shows: today against the same weekday a week ago, the
last 30 days, every window's state and the 差评 that need handling next.

Every rate and count comes from kiosk/stats (queries count, indicators divide); this module
only picks the periods and the scope. A handler sees their department's figures, windows
and cases only (kiosk/departments/scope.py).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from kiosk.cases import service as cases
from kiosk.departments.scope import department_scope, within
from kiosk.extensions import db
from kiosk.models import Device, Rating, Window
from kiosk.stats import indicators, queries
from kiosk.stats.definitions import Period
from kiosk.stats.indicators import Figures, Ratio
from kiosk.stats.rollup import HALL
from kiosk.timeutil import to_local

TREND_DAYS = 30
CASES_SHOWN = 6
QUIET_HOURS = 2  # a serving window with no rating for this long is pointed out


@dataclass(frozen=True)
class Day:
    """One day's figures in the scope: ratings counted and the 满意率."""

    day: date
    total: int
    satisfaction: Ratio


@dataclass(frozen=True)
class WindowState:
    id: int
    code: str
    name: str
    state: str  # serving, paused, closed (nobody signed in)
    pause_reason: str | None
    staff_name: str | None
    devices: int  # evaluators configured at the window
    offline: int  # … of which offline
    today: int
    today_satisfaction: Ratio
    last_rating_at: datetime | None
    last_rating_local: datetime | None  # the same in hall time
    quiet_hours: int | None  # whole hours without a rating while serving, when ≥ QUIET_HOURS

    @property
    def needs_attention(self) -> bool:
        return bool(self.offline or self.quiet_hours or self.state == "paused")


@dataclass
class Workbench:
    scoped: bool  # False: the user may see no department's figures
    department_id: int | None
    today: Day | None = None
    week_ago: Day | None = None
    trend: list = field(default_factory=list)  # queries.Row per day with ratings
    trend_period: Period | None = None
    windows: list = field(default_factory=list)
    open_cases: int = 0
    overdue_cases: int = 0
    cases: list = field(default_factory=list)  # (case, rating, overdue), overdue first


def _day(day: date, department_id: int | None) -> Day:
    period = Period(day, day)
    figures = Figures(ratings=queries.totals(period, department_id=department_id).ratings)
    return Day(day, figures.ratings.total, indicators.satisfaction(figures))


def _scope(user) -> tuple[bool, int | None]:
    """(may see figures, department id or None for the whole hall)."""
    scope = department_scope(user)
    if scope is None:
        return True, None
    if not scope:
        return False, None
    return True, next(iter(scope))


def window_states(now: datetime, today: date, scope, locale: str) -> list[WindowState]:
    windows = db.session.scalars(
        sa.select(Window).where(within(Window.department_id, scope)).order_by(Window.code)
    ).all()
    if not windows:
        return []
    ids = [w.id for w in windows]
    devices = {wid: (n, off) for wid, n, off in db.session.execute(
        sa.select(Device.window_id, sa.func.count(Device.id),
                  sa.func.count(Device.id).filter(Device.online.is_(False)))
        .where(Device.window_id.in_(ids)).group_by(Device.window_id))}
    # Each window's newest rating by a citizen: walks ix_rating_window_rated backwards and
    # stops at the first one that is not a default rating.
    newest = (sa.select(Rating.rated_at)
              .where(Rating.window_id == Window.id, Rating.is_default.is_(False))
              .order_by(Rating.rated_at.desc()).limit(1).scalar_subquery())
    last = dict(db.session.execute(
        sa.select(Window.id, newest).where(Window.id.in_(ids))).all())
    period = Period(today, today)
    by_window = {int(r.key): r for r in queries.breakdown(period, "window")
                 if r.key.isdigit() and int(r.key) != HALL}
    states = []
    for w in windows:
        state = "paused" if w.paused else ("serving" if w.staff_id else "closed")
        row = by_window.get(w.id)
        figures = Figures(ratings=row.ratings) if row else Figures()
        last_at = last.get(w.id)
        quiet = None
        if state == "serving":
            since = (now - last_at) if last_at else None
            hours = int(since.total_seconds() // 3600) if since else None
            if hours is None or hours >= QUIET_HOURS:
                quiet = hours if hours is not None else -1
        n, off = devices.get(w.id, (0, 0))
        states.append(WindowState(
            w.id, w.code, w.display_name(locale), state, w.pause_reason,
            w.staff.name if w.staff else None, n, off, figures.ratings.total,
            indicators.satisfaction(figures), last_at, to_local(last_at) if last_at else None,
            quiet))
    return states


def build(user, now: datetime, locale: str = "zh_CN") -> Workbench:
    allowed, department_id = _scope(user)
    bench = Workbench(scoped=allowed, department_id=department_id)
    counts = cases.open_and_overdue_counts(now, user)
    bench.open_cases, bench.overdue_cases = counts["open"], counts["overdue"]
    overdue = cases.list_cases(user, overdue=True, now=now, limit=CASES_SHOWN)
    newest = [row for row in cases.list_cases(user, now=now, limit=CASES_SHOWN * 4)
              if indicators.is_open(row[0].status) and not row[2]]
    bench.cases = (overdue + newest)[:CASES_SHOWN]
    if not allowed:
        return bench
    today = to_local(now).date()
    bench.today = _day(today, department_id)
    bench.week_ago = _day(today - timedelta(days=7), department_id)
    bench.trend_period = Period(today - timedelta(days=TREND_DAYS - 1), today)
    bench.trend = queries.breakdown(bench.trend_period, "day", department_id=department_id)
    bench.windows = window_states(now, today, department_scope(user), locale)
    return bench
