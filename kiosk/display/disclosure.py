"""公开: how each closed 差评 of the last 90 days was handled, by department and 事项.

What the public sees: the day it was rated, the responsible department, the 事项, the
reasons chosen (from the central list), the verification outcome and the 整改 result. Never
who rated (no name, phone, query code) or the citizen's comment. The rectification text is
written by staff and may name people, so it is shown only for cases a manager marked
publishable; otherwise a fixed wording of the outcome stands in for it.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.stats import queries
from kiosk.timeutil import to_local

DAYS = 90
# Fixed wording of the outcome when the rectification text is not publishable.
OUTCOME = {
    "founded": _l("经核实属实，已整改并答复"),
    "unfounded": _l("经核实不属实，已向群众说明"),
}


@dataclass
class Disclosed:
    rated_on: date
    closed_on: date
    department: str
    service: str
    reasons: list[str]
    outcome: str
    result: str  # the rectification text, or the fixed wording of the outcome


_CLOSED = sa.text(
    "SELECT r.rated_at, c.closed_at, coalesce(r.department_id, 0), coalesce(si.name, ''), "
    "r.reasons, c.verification, c.publishable, c.rectification "
    "FROM bad_case c JOIN rating r ON r.id = c.rating_id "
    "LEFT JOIN service_item si ON si.id = r.service_id "
    "WHERE c.status = 'closed' AND NOT r.excluded AND c.closed_at >= :since "
    "ORDER BY c.closed_at DESC"
).bindparams(sa.bindparam("since", type_=sa.DateTime)).columns(
    rated_at=sa.DateTime(), closed_at=sa.DateTime(), reasons=sa.JSON())


def closed_cases(now: datetime, days: int = DAYS) -> list[Disclosed]:
    """Closed, non-excluded 差评 whose case closed in the last `days` days, newest first,
    sorted by department and 事项 for the page's grouping."""
    rows = db.session.execute(_CLOSED, {"since": now - timedelta(days=days)}).all()
    departments = queries.labels("department", [str(r[2]) for r in rows])
    reasons = queries.labels("reason", [])
    out = [Disclosed(
        rated_on=to_local(rated_at).date(), closed_on=to_local(closed_at).date(),
        department=departments[str(dept)], service=service or str(_l("（未关联事项）")),
        reasons=[reasons.get(code, code) for code in (codes or [])],
        outcome=str(OUTCOME.get(verification, "")),
        result=(rectification or "") if publishable and rectification else
        str(OUTCOME.get(verification, _l("已办结"))),
    ) for rated_at, closed_at, dept, service, codes, verification, publishable, rectification
        in rows]
    return sorted(out, key=lambda d: (d.department, d.service, -d.closed_on.toordinal()))
