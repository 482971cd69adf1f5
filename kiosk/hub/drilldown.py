"""One hall as the hub sees it: its windows and its 差评 cases, from the records it sent.

The hub knows a window only by the code in each rating's record; 满意率, open and overdue
are the hall's own definitions (kiosk/stats/indicators.py).
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hub.dashboard import local_day_start
from kiosk.hub.trend import counts
from kiosk.models import HubRating, ReasonTemplate
from kiosk.models.reasons import reason_texts
from kiosk.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from kiosk.stats import indicators

CASES_SHOWN = 100


@dataclass
class WindowRow:
    code: str
    today: int
    today_good: int
    counted: int
    good: int
    bad_open: int
    bad_overdue: int
    last_rated_at: datetime | None

    @property
    def satisfaction(self) -> indicators.Ratio:
        return indicators.satisfaction(counts(self.counted, self.good))

    @property
    def today_satisfaction(self) -> indicators.Ratio:
        return indicators.satisfaction(counts(self.today, self.today_good))


def windows(hall: str, now: datetime) -> list[WindowRow]:
    r = HubRating
    window = r.record["window_code"].as_string()
    counted = sa.not_(r.excluded)
    good = sa.and_(counted, r.level.in_(indicators.GOOD_LEVELS))
    bad = sa.and_(counted, r.level.in_(indicators.BAD_LEVELS))
    today = r.rated_at >= local_day_start(now)
    rows = db.session.execute(
        sa.select(
            window, sa.func.count().filter(today, counted), sa.func.count().filter(today, good),
            sa.func.count().filter(counted), sa.func.count().filter(good),
            sa.func.count().filter(bad, indicators.open_condition(r.case_status)),
            sa.func.count().filter(bad, indicators.overdue_condition(r.case_status,
                                                                     r.case_due_at, now)),
            sa.func.max(r.rated_at),
        ).where(r.origin_hall == hall).group_by(window).order_by(window))
    return [WindowRow(code or "", *figures) for code, *figures in rows]


def reason_lookup(locale: str):
    """record → the texts of its reasons in `locale`, from the template version it names
    (a code stays as it is where the hub has no such template)."""
    templates = {t.version: reason_texts(t.items, locale)
                 for t in db.session.scalars(sa.select(ReasonTemplate))}

    def texts_of(record: dict) -> list[str]:
        texts = templates.get(record.get("reason_version"), {})
        return [texts.get(code, code) for code in record.get("reasons") or []]

    return texts_of


@dataclass
class CaseRow:
    rating_id: str
    rated_at: datetime
    level: int
    level_name: str
    window_code: str
    case_no: str
    reasons: list[str]
    status: str | None
    due_at: datetime | None
    overdue: bool
    open: bool


def _counted_bad(hall: str):
    r = HubRating
    return (r.origin_hall == hall, sa.not_(r.excluded), r.level.in_(indicators.BAD_LEVELS))


def case_count(hall: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HubRating)
                             .where(*_counted_bad(hall)))


def cases(hall: str, now: datetime, locale: str, limit: int = CASES_SHOWN,
          offset: int = 0) -> list[CaseRow]:
    """The hall's counted 差评, overdue first, then open, each group newest first (the id
    last, so that pages of them neither repeat nor skip one)."""
    r = HubRating
    overdue = indicators.overdue_condition(r.case_status, r.case_due_at, now)
    rank = sa.case((overdue, 0), (indicators.open_condition(r.case_status), 1), else_=2)
    rows = db.session.scalars(
        sa.select(r).where(*_counted_bad(hall))
        .order_by(rank, r.rated_at.desc(), r.id).limit(limit).offset(offset)).all()
    texts_of = reason_lookup(locale)
    names = LEVEL_NAMES_EN if locale == "en" else LEVEL_NAMES
    out = []
    for row in rows:
        rec = row.record or {}
        out.append(CaseRow(
            str(row.id), row.rated_at, row.level, names.get(row.level, ""),
            rec.get("window_code") or "", rec.get("case_no") or "",
            texts_of(rec),
            row.case_status, row.case_due_at,
            indicators.is_overdue(row.case_status, row.case_due_at, now),
            indicators.is_open(row.case_status)))
    return out
