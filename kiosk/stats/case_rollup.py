"""The 差评 case rollup (table case_facet_day): the case counts of kiosk/stats/indicators.py
per hall-local day of the rating, per department (the rating's responsible one) and per
window, so a quarter's case figures read a few thousand rows instead of every case joined
to its rating.

Each case adds to two rows — facet "department" (key: its rating's department, 0 for none)
and facet "window" (key: its window) — under its current deadline (due_at): the counts
fixed by its state (indicators.CASE_FIXED_SQL) and the pending ones
(indicators.CASE_PENDING_SQL) that become 逾期 or "due" once due_at < now, so the figures
read at any moment need no case row.

Maintained in the transaction that changes a case: count_case(+1) when it is opened, and
tracking() around every step (its old contribution out before, the new one in after);
rebuild() recomputes it from the cases (`flask --app wsgi stats rebuild`). The counts are
computed by the same SQL conditions as the direct count, so both give the same figures.
"""
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa

from kiosk.db_statements import Statement
from kiosk.extensions import db
from kiosk.stats import indicators
from kiosk.stats.indicators import CaseCounts

FACETS = {"department": "coalesce(r.department_id, 0)", "window": "c.window_id"}
FIXED = tuple(indicators.CASE_FIXED_SQL)
PENDING = tuple(indicators.CASE_PENDING_SQL)
COLUMNS = FIXED + PENDING
_CONDITIONS = {**indicators.CASE_FIXED_SQL, **indicators.CASE_PENDING_SQL}
_DAY = "date(datetime(c.rated_at, '+8 hours'))"  # hall time; China has no DST
_FROM = "FROM bad_case c JOIN rating r ON r.id = c.rating_id"


def _select(facet: str, value: str) -> str:
    counts = ", ".join(f"{value} * (CASE WHEN {_CONDITIONS[k]} THEN 1 ELSE 0 END) AS {k}"
                       for k in COLUMNS)
    return (f"SELECT '{facet}' AS facet, {_DAY} AS day, {FACETS[facet]} AS key, "
            f"c.due_at AS due_at, {counts} {_FROM}")


_COLUMN_LIST = ", ".join(COLUMNS)
_INSERT = f"INSERT INTO case_facet_day (facet, day, key, due_at, {_COLUMN_LIST}) "
# Built once: opening a case runs in the rating's write transaction (the hot path; see
# kiosk/db_statements.py).
_UPSERT_ONE = Statement(
    _INSERT + " UNION ALL ".join(f"{_select(f, ':sign')} WHERE c.id = :id" for f in FACETS)
    + " ON CONFLICT (facet, day, key, due_at) DO UPDATE SET "
    + ", ".join(f"{k} = {k} + excluded.{k}" for k in COLUMNS))
_TRACKED = "case_rollup_tracked"


def count_case(conn, case_id: int, sign: int = 1) -> None:
    """Adds (+1) or takes out (−1) the case's contribution as its rows stand now."""
    _UPSERT_ONE.run(conn, {"id": case_id, "sign": sign})


@contextmanager
def tracking(conn, case_id: int, flush=None):
    """Around a change of the case (or of its rating's exclusion), in its write transaction:
    the old contribution out before, the new one in after. flush: the ORM session's flush,
    when the change is made through the ORM. Nested use for the same case counts once."""
    tracked = conn.info.setdefault(_TRACKED, set())
    if case_id in tracked:
        yield
        return
    tracked.add(case_id)
    try:
        if flush:
            flush()
        count_case(conn, case_id, -1)
        yield
        if flush:
            flush()
        count_case(conn, case_id, 1)
    finally:
        tracked.discard(case_id)


def rebuild(conn) -> None:
    """Recomputes the case rollup from the cases, in the caller's write transaction."""
    conn.execute(sa.text("DELETE FROM case_facet_day"))
    sums = ", ".join(f"sum({k})" for k in COLUMNS)
    for facet in FACETS:
        conn.execute(sa.text(
            f"{_INSERT} SELECT facet, day, key, due_at, {sums} "
            f"FROM ({_select(facet, '1')} WHERE true) GROUP BY 1, 2, 3, 4"))


_GROUP = {"hall": "'0'", "department": "d.key", "window": "d.key"}


def case_counts_by(first: str | None, last: str | None, now: datetime, group: str = "hall",
                   window_id: int | None = None,
                   department_id: int | None = None) -> dict[str, CaseCounts] | None:
    """The case counts of the ratings given on hall-local days first..last (every day when
    None), per group, read from the rollup; None when the rollup does not hold that cut
    (per window within one department)."""
    if window_id and department_id or group == "window" and department_id \
            or group == "department" and window_id:
        return None
    facet = "window" if group == "window" or window_id else "department"
    where, params = "d.facet = :facet", {"facet": facet, "now": now}
    if first is not None:
        where += " AND d.day BETWEEN :first AND :last"
        params.update(first=first, last=last)
    if window_id or department_id:
        where += " AND d.key = :key"
        params["key"] = window_id or department_id
    sums = {k: f"sum(d.{k})" for k in FIXED}
    late = {k: f"sum(CASE WHEN d.due_at < :now THEN d.{k} ELSE 0 END)" for k in PENDING}
    wanted = []
    for f in fields(CaseCounts):
        if f.name in indicators.CASE_PAST_DUE:
            fixed, pending = indicators.CASE_PAST_DUE[f.name]
            wanted.append(late[pending] if fixed is None else f"{sums[fixed]} + {late[pending]}")
        else:
            wanted.append(sums[f.name])
    sql = sa.text(f"SELECT {_GROUP[group]}, {', '.join(wanted)} FROM case_facet_day d "
                  f"WHERE {where} GROUP BY 1").bindparams(sa.bindparam("now", type_=sa.DateTime))
    # A group is listed when it has a case, as in the direct count: a case's day, department
    # and window never change, so its rows stay (at 0 once it moved to another deadline).
    return {str(r[0]): CaseCounts(*(int(x or 0) for x in r[1:]))
            for r in db.session.execute(sql, params)}
