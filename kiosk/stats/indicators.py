"""The one definition of every 好差评 indicator (pure: it reads nothing; the SQL written
here is only conditions, which kiosk/stats/queries.py runs).

Every page, export, the wall display, the hub dashboard and the quarterly report get their
figures from here: the SQL in kiosk/stats/queries.py only counts (COUNT/SUM over the
rollups and the case table, using the conditions written below), and each indicator is a
function of those counts. Each function's docstring is its 口径 (definition) and is shown
on the pages word for word (see explanations()); the English pages show its translation.

Rules common to all of them:
- A rating excluded from statistics (误评/恶意, e.g. after an accepted appeal) counts in no
  indicator, as numerator or denominator; it is never deleted.
- Every other rating counts, whichever channel it came by and whether or not the clerk
  invited it. A per-window switch to leave out uninvited ratings would make one window's
  figures incomparable with another's and let a hall hide real complaints (a QR-code 差评
  is uninvited); abuse is flagged instead (kiosk/stats/integrity.py), never hidden.
- Default ratings (基本满意 after 5 working days) count like any other rating.
- A rating belongs to the hall-local (Beijing) day on which it was given; a 差评 case to
  the day of its rating.
"""
from collections.abc import Callable
from dataclasses import dataclass, fields

import sqlalchemy as sa

from kiosk.cases.deadlines import sql_deadline_in_force

PERCENT_DECIMALS = 2
GOOD_LEVELS = (1, 2, 3)  # 非常满意, 满意, 基本满意
BAD_LEVELS = (4, 5)  # 不满意, 非常不满意

# ---- the 差评 case life cycle: one definition of "open" and "overdue" ---------------------

# A case is "finished" (整改完成) once rectified, or replied to when verification found
# nothing to rectify; these are the statuses before that point.
UNFINISHED_STATUSES = ("registered", "assigned", "verified")
CLOSED_STATUS = "closed"
REVISIT_SATISFIED = ("satisfied", "basic")  # 满意, 基本满意 (as in 满意率)


def is_open(status: str | None) -> bool:
    """未办结: a 差评 case that is not closed (a 差评 whose case is unknown counts as open)."""
    return status != CLOSED_STATUS


def is_overdue(status: str | None, due_at, now) -> bool:
    """已逾期: not yet finished (rectified, or replied to when nothing was to be rectified)
    and past the deadline in force."""
    return (status is None or status in UNFINISHED_STATUSES) and due_at is not None \
        and due_at < now


def open_condition(status):
    """is_open() as a SQLAlchemy condition on a status column."""
    return sa.or_(status.is_(None), status != CLOSED_STATUS)


def overdue_condition(status, due_at, now):
    """is_overdue() as a SQLAlchemy condition on status and deadline columns."""
    return sa.and_(sa.or_(status.is_(None), status.in_(UNFINISHED_STATUSES)),
                   due_at.is_not(None), due_at < now)


def sql_is_open(status: str) -> str:
    """is_open() as SQL over a status column."""
    return f"({status} IS NULL OR {status} != '{CLOSED_STATUS}')"


def sql_is_overdue(status: str, due_at: str, now: str = ":now") -> str:
    """is_overdue() as SQL over a status and a deadline column."""
    unfinished = ", ".join(f"'{s}'" for s in UNFINISHED_STATUSES)
    return (f"(({status} IS NULL OR {status} IN ({unfinished})) "
            f"AND {due_at} IS NOT NULL AND {due_at} < {now})")


# What each case count means, as SQL over bad_case c joined to its rating r (:now bound).
# queries.py sums these; the indicators below divide the sums.
CASE_COUNTED = "NOT r.excluded"
# Appeal figures also keep the 差评 that the accepted appeal itself excluded: without them
# 申诉成立率 would always be 0.
APPEAL_COUNTED = "(NOT r.excluded OR c.appeal_status = 'accepted')"
# Counts fixed by the case's own state (the case rollup, kiosk/stats/case_rollup.py, keeps
# them per day).
CASE_FIXED_SQL = {
    "cases": CASE_COUNTED,
    "finished": f"{CASE_COUNTED} AND c.done_at IS NOT NULL",
    # Against the deadline in force when the handling was finished (kiosk/cases/deadlines.py).
    "on_time": f"{CASE_COUNTED} AND c.done_at IS NOT NULL "
               f"AND c.done_at <= {sql_deadline_in_force('c.id', 'c.done_at')}",
    "real_name": f"{CASE_COUNTED} AND c.real_name",
    "real_name_revisited": f"{CASE_COUNTED} AND c.real_name AND c.revisited_at IS NOT NULL",
    "revisited": f"{CASE_COUNTED} AND c.revisited_at IS NOT NULL",
    "revisit_satisfied": f"{CASE_COUNTED} AND c.revisited_at IS NOT NULL AND c.revisit_result "
                         f"IN ({', '.join(repr(r) for r in REVISIT_SATISFIED)})",
    "open": f"{CASE_COUNTED} AND {sql_is_open('c.status')}",
    "appeal_base": APPEAL_COUNTED,
    "appealed": f"{APPEAL_COUNTED} AND c.appeal_status != 'none'",
    "appeal_decided": f"{APPEAL_COUNTED} AND c.appeal_status IN ('accepted', 'rejected')",
    "appeal_accepted": "c.appeal_status = 'accepted'",
}
# Cases that count in a time-dependent figure once their deadline (c.due_at) has passed.
CASE_PENDING_SQL = {
    "undone": f"{CASE_COUNTED} AND c.done_at IS NULL",
    "unfinished": f"{CASE_COUNTED} AND (c.status IS NULL OR c.status IN "
                  f"({', '.join(repr(s) for s in UNFINISHED_STATUSES)}))",
}
# The counts that depend on when they are read: (fixed count or None, pending count whose
# cases are added once c.due_at < :now).
# due: finished, or not finished and past the deadline (按时整改率's denominator);
# overdue: is_overdue().
CASE_PAST_DUE = {"due": ("finished", "undone"), "overdue": (None, "unfinished")}


def _past_due_sql(fixed: str | None, pending: str) -> str:
    late = f"({CASE_PENDING_SQL[pending]} AND c.due_at IS NOT NULL AND c.due_at < :now)"
    return late if fixed is None else f"(({CASE_FIXED_SQL[fixed]}) OR {late})"


CASE_COUNT_SQL = {**CASE_FIXED_SQL, **{k: _past_due_sql(*v) for k, v in CASE_PAST_DUE.items()}}


# ---- counts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RatingCounts:
    """Counted (non-excluded) ratings: per level, and how many were default ratings."""

    n1: int = 0
    n2: int = 0
    n3: int = 0
    n4: int = 0
    n5: int = 0
    defaults: int = 0

    @property
    def levels(self) -> tuple[int, int, int, int, int]:
        return (self.n1, self.n2, self.n3, self.n4, self.n5)

    @property
    def total(self) -> int:
        return sum(self.levels)

    @property
    def good(self) -> int:
        return self.n1 + self.n2 + self.n3

    @property
    def bad(self) -> int:
        return self.n4 + self.n5

    def __add__(self, other: "RatingCounts") -> "RatingCounts":
        return RatingCounts(*(getattr(self, f.name) + getattr(other, f.name)
                              for f in fields(self)))


@dataclass(frozen=True)
class InvitationCounts:
    """Invitations (invited cases) of the period and how many of them got a rating."""

    invited: int = 0
    rated: int = 0

    def __add__(self, other: "InvitationCounts") -> "InvitationCounts":
        return InvitationCounts(self.invited + other.invited, self.rated + other.rated)


@dataclass(frozen=True)
class CaseCounts:
    """差评 cases of the period; each field is the SUM of CASE_COUNT_SQL[field]."""

    cases: int = 0
    finished: int = 0
    due: int = 0
    on_time: int = 0
    real_name: int = 0
    real_name_revisited: int = 0
    revisited: int = 0
    revisit_satisfied: int = 0
    open: int = 0
    overdue: int = 0
    appeal_base: int = 0
    appealed: int = 0
    appeal_decided: int = 0
    appeal_accepted: int = 0

    def __add__(self, other: "CaseCounts") -> "CaseCounts":
        return CaseCounts(*(getattr(self, f.name) + getattr(other, f.name)
                            for f in fields(self)))


@dataclass(frozen=True)
class Figures:
    """Everything the indicators of one scope (hall, department, window …) are made of."""

    ratings: RatingCounts = RatingCounts()
    cases: CaseCounts = CaseCounts()
    invitations: InvitationCounts = InvitationCounts()

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(self.ratings + other.ratings, self.cases + other.cases,
                       self.invitations + other.invitations)


# ---- the indicators ----------------------------------------------------------------------

@dataclass(frozen=True)
class Ratio:
    """part ÷ whole; value is None when whole is 0 (shown as "—", never as 0 %)."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> float | None:
        """In percent rounded to two decimals, as every page, export and screen shows it."""
        return None if self.value is None else round(100 * self.value, PERCENT_DECIMALS)


def satisfaction(f: Figures) -> Ratio:
    """满意率 = （非常满意 + 满意 + 基本满意）÷ 评价总数。默认评价计入；剔除的评价不计入。"""
    return Ratio(f.ratings.good, f.ratings.total)


def bad_rate(f: Figures) -> Ratio:
    """差评率 = （不满意 + 非常不满意）÷ 评价总数。"""
    return Ratio(f.ratings.bad, f.ratings.total)


def active_rate(f: Figures) -> Ratio:
    """主动评价率 = （评价总数 − 默认评价数）÷ 评价总数。默认评价指 5 个工作日内未评价、系统记为“基本满意”的评价。"""
    return Ratio(f.ratings.total - f.ratings.defaults, f.ratings.total)


def coverage(f: Figures) -> Ratio:
    """评价覆盖率 = 已评价（含默认评价）的受邀办件 ÷ 邀请评价的办件；按邀请日期归入期间，尚在 5 个工作日评价期内的办件计入分母。"""
    return Ratio(f.invitations.rated, f.invitations.invited)


def rectification_rate(f: Figures) -> Ratio:
    """差评整改率 = 已完成整改的差评 ÷ 差评总数。核实为不属实的差评以反馈群众为完成。"""
    return Ratio(f.cases.finished, f.cases.cases)


def on_time_rate(f: Figures) -> Ratio:
    """按时整改率 = 在整改期限内完成整改的差评 ÷ （已完成整改的差评 + 未完成且已过期限的差评）。期限为完成时有效的期限：登记后 15 个工作日，仅在原期限届满前批准的延期可以推后。"""
    return Ratio(f.cases.on_time, f.cases.due)


def revisit_rate(f: Figures) -> Ratio:
    """实名差评回访率 = 已回访的实名差评 ÷ 实名差评总数。"""
    return Ratio(f.cases.real_name_revisited, f.cases.real_name)


def revisit_satisfaction(f: Figures) -> Ratio:
    """回访满意率 = 回访结果为“满意”或“基本满意”的差评 ÷ 已回访的差评。"""
    return Ratio(f.cases.revisit_satisfied, f.cases.revisited)


def appeal_rate(f: Figures) -> Ratio:
    """申诉率 = 提出申诉的差评 ÷ 差评总数。因申诉成立而剔除的差评在申诉率和申诉成立率中计入。"""
    return Ratio(f.cases.appealed, f.cases.appeal_base)


def appeal_upheld_rate(f: Figures) -> Ratio:
    """申诉成立率 = 申诉成立（采纳）的差评 ÷ 已审核的申诉。"""
    return Ratio(f.cases.appeal_accepted, f.cases.appeal_decided)


@dataclass(frozen=True)
class Indicator:
    key: str
    compute: Callable[[Figures], Ratio]

    @property
    def name(self) -> str:
        return self.definition.split(" =", 1)[0]

    @property
    def definition(self) -> str:
        """The docstring: the 口径 shown on the pages (a msgid of the translation catalogue)."""
        return " ".join(self.compute.__doc__.split())


INDICATORS = tuple(Indicator(fn.__name__, fn) for fn in (
    satisfaction, bad_rate, active_rate, coverage, rectification_rate, on_time_rate,
    revisit_rate, revisit_satisfaction, appeal_rate, appeal_upheld_rate,
))
BY_KEY = {i.key: i for i in INDICATORS}
# Shown with every set of figures, after the indicators' own definitions.
COMMON_RULES = (
    "剔除的评价（误评、恶意，如申诉成立的差评）不计入任何指标的分子和分母，但记录保留。",
    "未经邀请的主动评价（如扫码评价）与邀请后的评价同样计入；异常集中的评价在异常监测中标出，不从统计中删除。",
    "期间按北京时间的自然日计算，包含开始日和结束日；周以周一为起点；差评按其评价日期归入期间。",
    "已逾期 = 未完成整改且已过有效期限的差评；未办结 = 尚未办结的差评。",
)


def explanations(keys: tuple[str, ...] | None = None) -> list[str]:
    """The 口径说明 lines of these indicators (all by default), then the common rules."""
    chosen = INDICATORS if keys is None else tuple(BY_KEY[k] for k in keys)
    return [i.definition for i in chosen] + list(COMMON_RULES)


def evaluate(f: Figures, keys: tuple[str, ...] | None = None) -> dict[str, Ratio]:
    chosen = INDICATORS if keys is None else tuple(BY_KEY[k] for k in keys)
    return {i.key: i.compute(f) for i in chosen}
