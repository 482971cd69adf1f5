"""Opens a 差评 case inside the rating's own write transaction (Core statements only)."""
import sqlalchemy as sa

from kiosk.cases.deadlines import rectification_due
from kiosk.models.case_decisions import CaseDeadline
from kiosk.models.cases import BadCase, CaseStep
from kiosk.ratings.levels import is_bad
from kiosk.stats import case_rollup
from kiosk.sync.events import queue_rating_event

_INSERT_CASE = sa.insert(BadCase).returning(BadCase.id)
_INSERT_STEP = sa.insert(CaseStep)
_INSERT_DEADLINE = sa.insert(CaseDeadline)
SYSTEM_ACTOR = "system"


def open_case_for(conn, stored, now, *, window_id: int, department_id=None) -> None:
    """For a 差评, registers its case (登记) with its deadline, history step and upstream
    event, in the rating's write transaction; the case goes to the rating's department."""
    if not is_bad(stored.level):
        return
    due = rectification_due(now)
    case_id = conn.execute(_INSERT_CASE, {
        "rating_id": stored.id, "status": "registered", "rated_at": stored.rated_at,
        "window_id": window_id, "department_id": department_id,
        "real_name": stored.phone is not None, "registered_at": now, "due_at": due,
        "original_due_at": due, "appeal_status": "none",
    }).scalar_one()
    conn.execute(_INSERT_DEADLINE, {"case_id": case_id, "due_at": due, "effective_at": now,
                                    "set_by": SYSTEM_ACTOR})
    conn.execute(_INSERT_STEP, {"case_id": case_id, "at": now, "actor": SYSTEM_ACTOR,
                                "action": "register", "from_status": None,
                                "to_status": "registered", "note": ""})
    case_rollup.count_case(conn, case_id)
    queue_rating_event(conn, stored.id, "case_status", status="registered", due_at=due, at=now)
