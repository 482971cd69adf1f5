"""Per-hall figures for the dashboard, computed in SQL (one grouped query per figure set)."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hub.trend import counts
from kiosk.models import HubHall, HubRating
from kiosk.stats import indicators
from kiosk.timeutil import to_local, to_utc

# A hall's sync daemon reports at least every few minutes while it runs (kiosk/sync/worker.py
# REPORT_EVERY); a hall silent for longer than this is shown as not heard from.
SILENT_AFTER = timedelta(minutes=30)


@dataclass
class HallRow:
    code: str
    name: str
    today: int = 0
    today_good: int = 0
    counted: int = 0  # all non-excluded ratings
    good: int = 0
    bad_open: int = 0
    bad_overdue: int = 0
    last_sync_at: datetime | None = None
    backlog: int | None = None
    oldest_unsynced_at: datetime | None = None
    dead: int | None = None

    @property
    def satisfaction(self) -> indicators.Ratio:
        return indicators.satisfaction(self._figures(self.counted, self.good))

    @property
    def today_satisfaction(self) -> indicators.Ratio:
        return indicators.satisfaction(self._figures(self.today, self.today_good))

    @staticmethod
    def _figures(total: int, good: int) -> indicators.Figures:
        return counts(total, good)

    def silent(self, now: datetime, after: timedelta = SILENT_AFTER) -> bool:
        """Not heard from: never synced, or no batch (not even an idle report) for `after`."""
        return self.last_sync_at is None or now - self.last_sync_at > after


def local_day_start(now_utc: datetime) -> datetime:
    """Midnight in hall time, as naive UTC (the way times are stored)."""
    return to_utc(datetime.combine(to_local(now_utc).date(), time()))


def hall_overview(now: datetime) -> list[HallRow]:
    halls = {h.code: HallRow(h.code, h.name, last_sync_at=h.last_sync_at,
                             backlog=h.reported_backlog, oldest_unsynced_at=h.reported_oldest_at,
                             dead=h.reported_dead)
             for h in db.session.scalars(sa.select(HubHall).order_by(HubHall.code))}
    r = HubRating
    counted = sa.not_(r.excluded)
    good = sa.and_(counted, r.level.in_(indicators.GOOD_LEVELS))
    is_bad = r.level.in_(indicators.BAD_LEVELS)
    bad_open = sa.and_(counted, is_bad, indicators.open_condition(r.case_status))
    bad_overdue = sa.and_(counted, is_bad,
                          indicators.overdue_condition(r.case_status, r.case_due_at, now))
    today = r.rated_at >= local_day_start(now)

    def count_if(cond):
        return sa.func.count().filter(cond)

    rows = db.session.execute(
        sa.select(
            r.origin_hall,
            count_if(sa.and_(today, counted)), count_if(sa.and_(today, good)),
            count_if(counted), count_if(good), count_if(bad_open),
            count_if(bad_overdue),
        ).group_by(r.origin_hall)
    )
    for code, t, tg, c, g, bo, bd in rows:
        row = halls.setdefault(code, HallRow(code, code))
        row.today, row.today_good, row.counted, row.good = t, tg, c, g
        row.bad_open, row.bad_overdue = bo, bd
    return list(halls.values())


@dataclass
class DepartmentRow:
    """One department of one hall, from the dept_code/dept_name its ratings carry."""

    hall: str
    code: str
    name: str
    counted: int
    good: int
    bad_open: int
    bad_overdue: int

    @property
    def satisfaction(self) -> indicators.Ratio:
        return indicators.satisfaction(HallRow._figures(self.counted, self.good))


def department_overview(now: datetime) -> list[DepartmentRow]:
    """Per hall and responsible department (统一社会信用代码 in each rating's record): the
    same 满意率 and open/overdue 差评 definitions as the hall's own pages."""
    r = HubRating
    code = r.record["dept_code"].as_string()
    name = r.record["dept_name"].as_string()
    counted = sa.not_(r.excluded)
    is_bad = r.level.in_(indicators.BAD_LEVELS)
    rows = db.session.execute(
        sa.select(
            r.origin_hall, code, sa.func.max(name),
            sa.func.count().filter(counted),
            sa.func.count().filter(counted, r.level.in_(indicators.GOOD_LEVELS)),
            sa.func.count().filter(counted, is_bad, indicators.open_condition(r.case_status)),
            sa.func.count().filter(counted, is_bad, indicators.overdue_condition(
                r.case_status, r.case_due_at, now)),
        ).group_by(r.origin_hall, code).order_by(r.origin_hall, code)
    ).all()
    return [DepartmentRow(hall, c or "", n or "", *counts) for hall, c, n, *counts in rows]
