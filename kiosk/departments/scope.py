"""Which departments a signed-in user may see: the one rule for case lists and statistics.

Admins, managers and auditors see the whole hall. A handler works for one department and
sees its cases and figures only; a handler with no department sees no department's figures
(and, in the case list, only the cases handed to them by name).
"""
import sqlalchemy as sa

WHOLE_HALL_ROLES = ("admin", "manager", "auditor")


def department_scope(user) -> frozenset[int] | None:
    """None: every department. Otherwise the ids of the departments the user may see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.role in WHOLE_HALL_ROLES:
        return None
    return frozenset((user.department_id,)) if user.department_id is not None else frozenset()


def current_department_scope() -> frozenset[int] | None:
    """The scope of the request's signed-in user."""
    from flask_login import current_user

    return department_scope(current_user)


def within(column, scope: frozenset[int] | None):
    """A WHERE clause keeping rows whose department `column` is inside `scope`."""
    if scope is None:
        return sa.true()
    if not scope:
        return sa.false()
    return column.in_(sorted(scope))
