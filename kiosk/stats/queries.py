"""Statistics in SQL: GROUP BY over the rollups (kiosk/stats/rollup.py), the case table and
the invitation index. Python only divides the aggregated numbers (kiosk/stats/indicators.py).

Scopes: the hall, one department (a handler's figures, a department's column of the
quarterly report) or one window (the statistics page's window filter).
"""
import json
from dataclasses import dataclass, field, fields
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.models.hall import local_name
from kiosk.models.reasons import reason_texts
from kiosk.stats import case_rollup, indicators
from kiosk.stats.definitions import Period, wilson_lower_bound
from kiosk.stats.indicators import CaseCounts, Figures, InvitationCounts, RatingCounts

TIME_DIMENSIONS = ("day", "week", "month", "quarter", "year")
ENTITY_DIMENSIONS = ("hall", "department", "window", "staff", "service", "channel", "reason")
DIMENSIONS = ENTITY_DIMENSIONS + TIME_DIMENSIONS
RANK_DIMENSIONS = ("department", "window", "staff", "service")
CHANNEL_LABELS = {"touch": _l("窗口触摸屏"), "evaluator": _l("评价器"), "qr": _l("二维码"),
                  "default": _l("默认评价"), "later": _l("事后评价链接")}

# Bucket expressions on a rollup's day (already a hall-local YYYY-MM-DD).
_TIME_KEYS = {
    "day": "d.day",
    "week": "date(d.day, 'weekday 0', '-6 days')",  # the Monday of the week
    "month": "substr(d.day, 1, 7)",
    "quarter": "substr(d.day, 1, 4) || '-Q' || ((cast(substr(d.day, 6, 2) AS INTEGER) + 2) / 3)",
    "year": "substr(d.day, 1, 4)",
}
_LEVEL_SUMS = "sum(d.n1), sum(d.n2), sum(d.n3), sum(d.n4), sum(d.n5)"


@dataclass
class Row:
    key: str
    label: str
    counts: tuple[int, int, int, int, int]  # levels 1..5
    defaults: int = 0
    extra: dict = field(default_factory=dict)  # case/invitation counts where a table adds them

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def good(self) -> int:
        return sum(self.counts[:3])

    @property
    def bad(self) -> int:
        return sum(self.counts[3:])

    @property
    def ratings(self) -> RatingCounts:
        return RatingCounts(*self.counts, defaults=self.defaults)

    @property
    def figures(self) -> Figures:
        return Figures(ratings=self.ratings)

    @property
    def good_rate(self):
        return indicators.satisfaction(self.figures).value

    @property
    def bad_rate(self):
        return indicators.bad_rate(self.figures).value

    @property
    def wilson(self) -> float:
        return wilson_lower_bound(self.good, self.total)


def _period(period: Period) -> dict:
    return {"first": period.first.isoformat(), "last": period.last.isoformat()}


def labels(dimension: str, keys: list[str]) -> dict[str, str]:
    """Readable names for the keys of an entity dimension, in the page's language where an
    English name or reason text is set."""
    locale = _language()
    if dimension == "channel":
        return {k: str(CHANNEL_LABELS.get(k, k)) for k in keys}
    if dimension == "reason":
        return _reason_texts(locale)
    if dimension == "hall":
        row = db.session.execute(sa.text("SELECT name, name_en FROM hall LIMIT 1")).first()
        name = local_name(row[0], row[1], locale) if row else ""
        return {k: name for k in keys}
    if dimension == "window":
        found = {str(i): f"{code} {local_name(name, name_en, locale)}"
                 for i, code, name, name_en in db.session.execute(
                     sa.text("SELECT id, code, name, name_en FROM window"))}
    else:
        sql = {
            "staff": "SELECT id, name || ' (' || staff_no || ')' FROM staff",
            "service": "SELECT id, name FROM service_item",
            "department": "SELECT id, name FROM department",
        }[dimension]
        found = {str(i): label for i, label in db.session.execute(sa.text(sql))}
    missing = {"window": "", "staff": _l("（未关联人员）"), "service": _l("（未关联事项）"),
               "department": _l("（未关联部门）")}[dimension]
    missing = str(missing)
    return {k: found.get(k, missing) for k in keys}


def _language() -> str:
    """The request's language ("zh" outside a request: the CLI's reports are Chinese)."""
    locale = get_locale() if has_request_context() else None
    return locale.language if locale else "zh"


def _reason_texts(locale: str) -> dict[str, str]:
    """Reason code → text, over every published version (old ratings keep old codes)."""
    texts: dict[str, str] = {}
    for (items,) in db.session.execute(sa.text(
            "SELECT items FROM reason_template ORDER BY version")):
        items = json.loads(items) if isinstance(items, str) else items
        texts.update(reason_texts(items or [], locale))
    return texts


def breakdown(period: Period, dimension: str, window_id: int | None = None,
              department_id: int | None = None) -> list[Row]:
    """Counts per level (and default ratings) for each value of the dimension, in the period:
    the hall's, one department's, or one window's."""
    if window_id:
        return _window_breakdown(period, dimension, window_id)
    if not department_id and dimension in ("window", "staff", "service", "channel", "reason"):
        # Hall-wide: the per-window rollup has fewer rows than the department × value one.
        if dimension == "window":
            return _window_facet_rows(period, "d.window_id", "facet = 'total'", {}, dimension)
        return _window_facet_rows(period, "d.key", "facet = :facet", {"facet": dimension},
                                  dimension)
    params = {**_period(period), "department_id": department_id or 0}
    scope = "AND d.department_id = :department_id" if department_id else ""
    if dimension in _TIME_KEYS:
        facet, key = "department", _TIME_KEYS[dimension]
    elif dimension == "hall":
        facet, key = "department", "'0'"
    else:
        facet, key = dimension, "d.key"
    sql = (f"SELECT {key} AS k, {_LEVEL_SUMS}, sum(d.n_default) FROM rating_facet_day d "
           f"WHERE d.facet = :facet AND d.day BETWEEN :first AND :last {scope} "
           "GROUP BY 1 ORDER BY 1")
    rows = db.session.execute(sa.text(sql), {**params, "facet": facet}).all()
    return _rows(rows, dimension)


def _rows(rows, dimension: str) -> list[Row]:
    """Rows of (key, n1..n5, n_default) with a rating in them, labelled."""
    rows = [r for r in rows if any(r[1:6])]
    names = ({str(r[0]): str(r[0]) for r in rows} if dimension in _TIME_KEYS
             else labels(dimension, [str(r[0]) for r in rows]))
    return [Row(str(r[0]), names.get(str(r[0]), str(r[0])), tuple(int(x or 0) for x in r[1:6]),
                int(r[6] or 0)) for r in rows]


def _window_facet_rows(period: Period, key: str, where: str, params: dict,
                       dimension: str) -> list[Row]:
    sql = (f"SELECT {key} AS k, {_LEVEL_SUMS}, sum(d.n_default) FROM rating_window_facet_day d "
           f"WHERE d.{where} AND d.day BETWEEN :first AND :last GROUP BY 1 ORDER BY 1")
    rows = db.session.execute(sa.text(sql), {**_period(period), **params}).all()
    return _rows(rows, dimension)


def _window_breakdown(period: Period, dimension: str, window_id: int) -> list[Row]:
    """One window's figures, from rating_window_facet_day."""
    params = {"window_id": window_id}
    if dimension in ENTITY_DIMENSIONS and dimension not in ("hall", "window"):
        params["facet"] = dimension
        return _window_facet_rows(period, "d.key", "facet = :facet AND d.window_id = :window_id",
                                  params, dimension)
    key = _TIME_KEYS.get(dimension, "d.window_id")
    return _window_facet_rows(period, key, "facet = 'total' AND d.window_id = :window_id",
                              params, dimension if dimension in _TIME_KEYS else "window")


def totals(period: Period, window_id: int | None = None,
           department_id: int | None = None) -> Row:
    rows = breakdown(period, "hall", window_id, department_id)
    return rows[0] if rows else Row("0", "", (0, 0, 0, 0, 0))


def rankings(period: Period, dimension: str, department_id: int | None = None) -> list[Row]:
    """Best first by the Wilson lower bound of the good rate; sample size breaks ties."""
    rows = breakdown(period, dimension, department_id=department_id)
    return sorted(rows, key=lambda r: (-r.wilson, -r.total, r.label))


def heatmap(period: Period, window_id: int | None = None) -> dict[tuple[int, int], tuple]:
    """{(weekday 0=Monday, hour): (ratings, 差评)} in hall time."""
    sql = (
        "SELECT (cast(strftime('%w', d.day) AS INTEGER) + 6) % 7, d.hour, sum(d.n), "
        "sum(d.n_bad) FROM rating_hourly d WHERE d.window_id = :window_id "
        "AND d.day BETWEEN :first AND :last GROUP BY 1, 2"
    )
    params = {**_period(period), "window_id": window_id or 0}
    return {(r[0], r[1]): (int(r[2]), int(r[3]))
            for r in db.session.execute(sa.text(sql), params)}


# ---- 差评 cases --------------------------------------------------------------------------

_CASE_SUMS = ", ".join(f"coalesce(sum(CASE WHEN {indicators.CASE_COUNT_SQL[f.name]} "
                       "THEN 1 ELSE 0 END), 0)" for f in fields(CaseCounts))
_CASE_GROUPS = {"hall": "0", "department": "coalesce(r.department_id, 0)",
                "window": "c.window_id"}
_DATES = ("now", "start", "end")


def _typed(sql: str):
    return sa.text(sql).bindparams(*(sa.bindparam(k, type_=sa.DateTime) for k in _DATES))


def case_counts_by(period: Period | None, now: datetime, group: str = "hall",
                   window_id: int | None = None,
                   department_id: int | None = None) -> dict[str, CaseCounts]:
    """The 差评 cases of ratings given in the period (all cases when period is None), per
    group ("hall", "department" or "window"), counted as indicators.CASE_COUNT_SQL says:
    from the case rollup, or from the cases where the rollup does not hold the cut."""
    found = case_rollup.case_counts_by(
        period and period.first.isoformat(), period and period.last.isoformat(), now, group,
        window_id, department_id)
    if found is None:
        found = case_counts_direct_by(period, now, group, window_id, department_id)
    return found


def case_counts_direct_by(period: Period | None, now: datetime, group: str = "hall",
                          window_id: int | None = None,
                          department_id: int | None = None) -> dict[str, CaseCounts]:
    """case_counts_by() computed from the cases themselves (what the rollup must equal)."""
    where = "c.rated_at >= :start AND c.rated_at < :end"
    params = {"now": now, "start": period.utc_start if period else datetime.min,
              "end": period.utc_end if period else datetime.max}
    if window_id:
        where += " AND c.window_id = :window_id"
        params["window_id"] = window_id
    if department_id:
        where += " AND r.department_id = :department_id"
        params["department_id"] = department_id
    sql = (f"SELECT {_CASE_GROUPS[group]}, {_CASE_SUMS} FROM bad_case c "
           f"JOIN rating r ON r.id = c.rating_id WHERE {where} GROUP BY 1")
    return {str(r[0]): CaseCounts(*(int(x or 0) for x in r[1:]))
            for r in db.session.execute(_typed(sql), params)}


def case_counts(period: Period | None, now: datetime, window_id: int | None = None,
                department_id: int | None = None) -> CaseCounts:
    found = case_counts_by(period, now, "hall", window_id, department_id)
    return found.get("0", CaseCounts())


# ---- invitations (评价覆盖率) ---------------------------------------------------------------

_INVITATION_GROUPS = {"hall": "0", "window": "d.key", "department": "d.key"}


def invitation_counts_by(period: Period, group: str = "hall", window_id: int | None = None,
                         department_id: int | None = None) -> dict[str, InvitationCounts]:
    """Invitations made in the period and how many got a counted rating (by the citizen or
    by default), per group, from the invitation_facet_day rollup: the hall's, one
    department's or one window's (not a department's windows: the rollup does not cross
    them)."""
    if (window_id and department_id) or (group == "window" and department_id) \
            or (group == "department" and window_id):
        raise ValueError("invitations are counted per department or per window, not both")
    facet = "window" if group == "window" or window_id else "department"
    where = "d.facet = :facet AND d.day BETWEEN :first AND :last"
    params = {**_period(period), "facet": facet}
    if window_id or department_id:
        where += " AND d.key = :key"
        params["key"] = window_id or department_id
    sql = (f"SELECT {_INVITATION_GROUPS[group]}, sum(d.invited), sum(d.rated) "
           f"FROM invitation_facet_day d WHERE {where} GROUP BY 1")
    return {str(r[0]): InvitationCounts(int(r[1] or 0), int(r[2] or 0))
            for r in db.session.execute(sa.text(sql), params)}


def invitation_counts(period: Period, window_id: int | None = None,
                      department_id: int | None = None) -> InvitationCounts:
    return invitation_counts_by(period, "hall", window_id, department_id).get(
        "0", InvitationCounts())


def figures(period: Period, now: datetime, window_id: int | None = None,
            department_id: int | None = None) -> Figures:
    """All the counts the indicators of the period need: the hall's, one department's or
    one window's."""
    return Figures(
        ratings=totals(period, window_id, department_id).ratings,
        cases=case_counts(period, now, window_id, department_id),
        invitations=invitation_counts(period, window_id, department_id),
    )


def figures_by(period: Period, now: datetime, dimension: str,
               department_id: int | None = None) -> list[tuple[Row, Figures]]:
    """Every indicator's counts per department or per window (the quarterly report), in
    one query per source."""
    rows = breakdown(period, dimension, department_id=department_id)
    cases = case_counts_by(period, now, dimension, department_id=department_id)
    invitations = invitation_counts_by(period, dimension, department_id=department_id)
    keys = [r.key for r in rows] + sorted((set(cases) | set(invitations)) -
                                          {r.key for r in rows})
    names = labels(dimension, keys)
    by_key = {r.key: r for r in rows}
    out = []
    for key in keys:
        row = by_key.get(key) or Row(key, names.get(key, key), (0, 0, 0, 0, 0))
        out.append((row, Figures(ratings=row.ratings, cases=cases.get(key, CaseCounts()),
                                 invitations=invitations.get(key, InvitationCounts()))))
    return out


def windows() -> list[tuple[int, str]]:
    return [(r[0], f"{r[1]} {r[2]}") for r in db.session.execute(
        sa.text("SELECT id, code, name FROM window ORDER BY code"))]


def departments() -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in db.session.execute(
        sa.text("SELECT id, name FROM department ORDER BY name"))]
