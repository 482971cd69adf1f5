"""差评 cases (差评整改) and their history; daily rollups of ratings for statistics.

A case is opened in the rating's own commit (kiosk/cases/opening.py). Its steps are
appended to case_step and never changed: together they are the 台账 ledger.
"""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.base import utcnow

CASE_STATUSES = ("registered", "assigned", "verified", "rectified", "replied", "revisited",
                 "closed")
VERIFICATIONS = ("founded", "unfounded", "mistaken")
APPEAL_STATUSES = ("none", "pending", "accepted", "rejected")


class BadCase(db.Model):
    __tablename__ = "bad_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rating.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="registered")
    # Copied from the rating (which never changes them) so the case rates read one table.
    rated_at: Mapped[datetime]
    window_id: Mapped[int]
    real_name: Mapped[bool]
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Rectification deadline (naive UTC): end of the 15th working day, hall time.
    due_at: Mapped[datetime]
    original_due_at: Mapped[datetime]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The department the case is handed to (转办): the rating's responsible department at
    # registration; a manager may hand it to another. Its handlers see it.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    verification: Mapped[str | None] = mapped_column(sa.String(10))
    rectification: Mapped[str | None] = mapped_column(sa.Text)
    reply: Mapped[str | None] = mapped_column(sa.Text)  # shown to the citizen by query code
    revisit_result: Mapped[str | None] = mapped_column(sa.String(12))
    revisit_note: Mapped[str | None] = mapped_column(sa.Text)
    appeal_status: Mapped[str] = mapped_column(sa.String(10), default="none")
    appeal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # When the handling was finished (rectified, or replied when nothing was to rectify):
    # the on-time rate compares it with due_at.
    done_at: Mapped[datetime | None]
    revisited_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # A manager allows the rectification text on the public 公开 page (never the rater's
    # details); without it the page shows the reasons and the outcome only.
    publishable: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    rating = relationship("Rating")
    assignee = relationship("User")
    department = relationship("Department")
    steps = relationship("CaseStep", order_by="CaseStep.id", back_populates="case")

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('registered', 'assigned', 'verified', 'rectified', 'replied', "
            "'revisited', 'closed')", name="status"),
        sa.CheckConstraint("appeal_status IN ('none', 'pending', 'accepted', 'rejected')",
                           name="appeal_status"),
        sa.Index("ix_bad_case_status_due", "status", "due_at"),
        sa.Index("ix_bad_case_assignee", "assignee_id", "status"),
        sa.Index("ix_bad_case_department", "department_id", "status"),
        sa.Index("ix_bad_case_rated", "rated_at"),
    )


class CaseStep(db.Model):
    """One step of a case: who did what, when. Append only."""

    __tablename__ = "case_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("bad_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[str | None] = mapped_column(sa.String(12))
    to_status: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    case = relationship("BadCase", back_populates="steps")


class LevelCounts:
    """How many ratings of each level (n1 非常不满意 … n5 非常满意) a rollup row holds."""

    n1: Mapped[int] = mapped_column(default=0)
    n2: Mapped[int] = mapped_column(default=0)
    n3: Mapped[int] = mapped_column(default=0)
    n4: Mapped[int] = mapped_column(default=0)
    n5: Mapped[int] = mapped_column(default=0)


class LevelCountsWithDefault(LevelCounts):
    """Level counts and how many of them were given by default (主动评价率)."""

    n_default: Mapped[int] = mapped_column(default=0)


class RatingDaily(LevelCounts, db.Model):
    """Non-excluded ratings counted per hall-local day, window, staff and service item.

    Kept exact incrementally: +1 by the ratings hook, −1 when an appeal excludes a rating;
    kiosk/stats/rollup.py rebuilds it from the ratings. 0 stands for "no staff/service".
    """

    __tablename__ = "rating_daily"
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # YYYY-MM-DD, hall time
    window_id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(primary_key=True)


class RatingWindowDay(LevelCounts, db.Model):
    """Non-excluded ratings per window and hall-local day; window_id 0 is the whole hall,
    so hall totals and trends read one row a day."""

    __tablename__ = "rating_window_day"
    window_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)


FACETS = ("department", "window", "staff", "service", "channel", "reason")


class RatingFacetDay(LevelCountsWithDefault, db.Model):
    """Non-excluded ratings per hall-local day, responsible department and one facet value:
    the breakdowns by department, window, staff, service item, channel and reason read a few
    thousand rows a quarter, not millions of ratings.

    Each rating adds 1 to one row per facet (key: the window/staff/service/department id,
    the channel, or a reason code — one row per reason of a 差评; 0 or '' when there is
    none), in the department of the rating (0 when it has none); so any facet can also be
    read for one department. n_default counts the default ratings among them.
    """

    __tablename__ = "rating_facet_day"
    facet: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    department_id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class RatingWindowFacetDay(LevelCountsWithDefault, db.Model):
    """Non-excluded ratings per window, hall-local day and one facet value — "total" (key
    ''), "department", "staff", "service", "channel", "reason" (one row per reason of a
    差评) — with n_default: one window's breakdowns, and every window's totals with their
    default ratings, without the department × window rows of rating_facet_day."""

    __tablename__ = "rating_window_facet_day"
    # Every window's totals of a period (facet "total", a day range) without reading the
    # other days: the key leads with the window.
    __table_args__ = (sa.Index("ix_rating_window_facet_day_day", "facet", "day"),)
    facet: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    window_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class InvitationFacetDay(db.Model):
    """Invitations (invited cases) per hall-local day of invitation and facet value (facet
    "department": the item's department, else the window's, 0 for none; "window": the
    window), and how many of them got a counted rating (by the citizen or by default):
    评价覆盖率 without reading every invitation. Each invitation counts in one row of each
    facet, so the hall is the sum of either."""

    __tablename__ = "invitation_facet_day"
    facet: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True)
    invited: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)


class RatingHourly(db.Model):
    """Non-excluded ratings per window, hall-local day and hour (the heatmap); window_id 0
    is the whole hall."""

    __tablename__ = "rating_hourly"
    window_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    hour: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    n_bad: Mapped[int] = mapped_column(default=0)


def _rating_indexes():
    """Indexes the statistics need on the rating table, declared here beside their queries."""
    from kiosk.models.rating import Rating

    # Same text as the query's WHERE, so SQLite sees the index applies; valid on PostgreSQL too.
    top_uninvited = sa.text("uninvited AND level = 1")
    # Burst detection (kiosk/stats/integrity.py) reads only uninvited 非常满意 ratings …
    sa.Index("ix_rating_uninvited_top", Rating.window_id, Rating.rated_at,
             sqlite_where=top_uninvited, postgresql_where=top_uninvited)
    bad_uninvited = sa.text("uninvited AND level >= 4")
    # … and uninvited 差评.
    sa.Index("ix_rating_uninvited_bad", Rating.window_id, Rating.rated_at,
             sqlite_where=bad_uninvited, postgresql_where=bad_uninvited)


_rating_indexes()


# The quarterly report lists open cases by deadline: an index of the open ones only. Its
# condition is kiosk.stats.indicators.sql_is_open("status") word for word (SQLite uses a
# partial index only for its exact condition; tests/stats/test_case_rollup.py checks).
OPEN_CASE_CONDITION = "(status IS NULL OR status != 'closed')"
sa.Index("ix_bad_case_open_due", BadCase.due_at, sqlite_where=sa.text(OPEN_CASE_CONDITION),
         postgresql_where=sa.text(OPEN_CASE_CONDITION))


class CaseFacetDay(db.Model):
    """差评 cases per hall-local day of their rating, per facet value (facet "department":
    the rating's responsible department, 0 for none; "window": the window) and current
    deadline, counted as kiosk/stats/indicators.py defines (kiosk/stats/case_rollup.py
    keeps it; the column names are the indicators' count names)."""

    __tablename__ = "case_facet_day"
    facet: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True)
    due_at: Mapped[datetime] = mapped_column(primary_key=True)
    cases: Mapped[int] = mapped_column(default=0)
    finished: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    real_name: Mapped[int] = mapped_column(default=0)
    real_name_revisited: Mapped[int] = mapped_column(default=0)
    revisited: Mapped[int] = mapped_column(default=0)
    revisit_satisfied: Mapped[int] = mapped_column(default=0)
    open: Mapped[int] = mapped_column(default=0)
    appeal_base: Mapped[int] = mapped_column(default=0)
    appealed: Mapped[int] = mapped_column(default=0)
    appeal_decided: Mapped[int] = mapped_column(default=0)
    appeal_accepted: Mapped[int] = mapped_column(default=0)
    undone: Mapped[int] = mapped_column(default=0)
    unfinished: Mapped[int] = mapped_column(default=0)
