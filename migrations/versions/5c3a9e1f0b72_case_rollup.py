"""statistics: case_facet_day, the 差评 case rollup (case counts per day of the rating ×
department or window × deadline), and rating_window_facet_day (one window's ratings per day
by department, staff, item, channel and reason, and its totals with default ratings), filled from the
cases and ratings already stored

Revision ID: 5c3a9e1f0b72
Revises: 1412c0a4c266
Create Date: 2026-11-30 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c3a9e1f0b72'
down_revision = '1412c0a4c266'
branch_labels = None
depends_on = None

# The case counts as kiosk/stats/indicators.py defined them when this revision was written
# (a migration keeps its own copy: the app's definitions may move on).
_COUNTED = "NOT r.excluded"
_APPEAL = "(NOT r.excluded OR c.appeal_status = 'accepted')"
_IN_FORCE = ("(SELECT d.due_at FROM case_deadline d WHERE d.case_id = c.id "
             "AND d.effective_at <= c.done_at ORDER BY d.effective_at DESC, d.id DESC LIMIT 1)")
_COUNTS = {
    "cases": _COUNTED,
    "finished": f"{_COUNTED} AND c.done_at IS NOT NULL",
    "on_time": f"{_COUNTED} AND c.done_at IS NOT NULL AND c.done_at <= {_IN_FORCE}",
    "real_name": f"{_COUNTED} AND c.real_name",
    "real_name_revisited": f"{_COUNTED} AND c.real_name AND c.revisited_at IS NOT NULL",
    "revisited": f"{_COUNTED} AND c.revisited_at IS NOT NULL",
    "revisit_satisfied": f"{_COUNTED} AND c.revisited_at IS NOT NULL "
                         "AND c.revisit_result IN ('satisfied', 'basic')",
    "open": f"{_COUNTED} AND (c.status IS NULL OR c.status != 'closed')",
    "appeal_base": _APPEAL,
    "appealed": f"{_APPEAL} AND c.appeal_status != 'none'",
    "appeal_decided": f"{_APPEAL} AND c.appeal_status IN ('accepted', 'rejected')",
    "appeal_accepted": "c.appeal_status = 'accepted'",
    "undone": f"{_COUNTED} AND c.done_at IS NULL",
    "unfinished": f"{_COUNTED} AND (c.status IS NULL OR "
                  "c.status IN ('registered', 'assigned', 'verified'))",
}
_FACETS = {"department": "coalesce(r.department_id, 0)", "window": "c.window_id"}


def _fill():
    """From the stored cases (the hall's SQLite; a hub keeps no hall rollups)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    columns = ", ".join(_COUNTS)
    for facet, key in _FACETS.items():
        sums = ", ".join(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)" for cond in _COUNTS.values())
        op.execute(
            f"INSERT INTO case_facet_day (facet, day, key, due_at, {columns}) "
            f"SELECT '{facet}', date(datetime(c.rated_at, '+8 hours')), {key}, c.due_at, {sums} "
            "FROM bad_case c JOIN rating r ON r.id = c.rating_id GROUP BY 2, 3, 4")


_LOCAL = "datetime(rated_at, '+8 hours')"
_LEVELS = "sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4), sum(level = 5), " \
          "sum(is_default)"
_WINDOW_KEYS = {"total": "''", "department": "cast(coalesce(department_id, 0) AS TEXT)",
                "staff": "cast(coalesce(staff_id, 0) AS TEXT)",
                "service": "cast(coalesce(service_id, 0) AS TEXT)", "channel": "channel"}
_WINDOW_INSERT = ("INSERT INTO rating_window_facet_day (facet, window_id, day, key, n1, n2, "
                  "n3, n4, n5, n_default) ")


def _fill_window_facets():
    if op.get_bind().dialect.name != "sqlite":
        return
    for facet, key in _WINDOW_KEYS.items():
        op.execute(f"{_WINDOW_INSERT} SELECT '{facet}', window_id, date({_LOCAL}), {key}, "
                   f"{_LEVELS} FROM rating WHERE NOT excluded GROUP BY 2, 3, 4")
    op.execute(f"{_WINDOW_INSERT} SELECT 'reason', window_id, date({_LOCAL}), j.value, "
               f"{_LEVELS} FROM rating, json_each(rating.reasons) j WHERE NOT excluded "
               "GROUP BY 2, 3, 4")


def upgrade():
    op.create_table('case_facet_day',
    sa.Column('facet', sa.String(length=10), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
    sa.PrimaryKeyConstraint('facet', 'day', 'key', 'due_at', name=op.f('pk_case_facet_day'))
    )
    op.create_table('rating_window_facet_day',
    sa.Column('facet', sa.String(length=10), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('n1', sa.Integer(), nullable=False),
    sa.Column('n2', sa.Integer(), nullable=False),
    sa.Column('n3', sa.Integer(), nullable=False),
    sa.Column('n4', sa.Integer(), nullable=False),
    sa.Column('n5', sa.Integer(), nullable=False),
    sa.Column('n_default', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('facet', 'window_id', 'day', 'key',
                            name=op.f('pk_rating_window_facet_day'))
    )
    _fill()
    _fill_window_facets()


def downgrade():
    op.drop_table('rating_window_facet_day')
    op.drop_table('case_facet_day')
