"""statistics: rating_facet_day rollup (breakdowns by department, window, staff, item,
channel, reason), invitation_day rollup (评价覆盖率), index for bursts of uninvited 差评,
the 公开 flag on a 差评 case; window.count_uninvited goes (uninvited ratings count
everywhere)

The new rollups are filled from the ratings and invitations already stored.

Revision ID: 1412c0a4c266
Revises: d402408e35c8
Create Date: 2026-11-30 14:44:23.784058

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1412c0a4c266'
down_revision = 'd402408e35c8'
branch_labels = None
depends_on = None

_LOCAL = "datetime(rated_at, '+8 hours')"
_SUMS = "sum(level = 1), sum(level = 2), sum(level = 3), sum(level = 4), sum(level = 5), " \
        "sum(is_default)"
_KEYS = {
    "department": "cast(coalesce(department_id, 0) AS TEXT)",
    "window": "cast(window_id AS TEXT)",
    "staff": "cast(coalesce(staff_id, 0) AS TEXT)",
    "service": "cast(coalesce(service_id, 0) AS TEXT)",
    "channel": "channel",
}
_INSERT = ("INSERT INTO rating_facet_day (facet, day, department_id, key, n1, n2, n3, n4, n5, "
           "n_default) ")


def _fill_facets():
    """From the stored ratings (the hall's SQLite; a hub keeps no hall rollups)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for facet, key in _KEYS.items():
        op.execute(f"{_INSERT} SELECT '{facet}', date({_LOCAL}), coalesce(department_id, 0), "
                   f"{key}, {_SUMS} FROM rating WHERE NOT excluded GROUP BY 2, 3, 4")
    op.execute(f"{_INSERT} SELECT 'reason', date({_LOCAL}), coalesce(department_id, 0), "
               f"j.value, {_SUMS} FROM rating, json_each(rating.reasons) j "
               "WHERE NOT excluded GROUP BY 2, 3, 4")


def _fill_invitations():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "INSERT INTO invitation_day (day, window_id, department_id, invited, rated) "
        "SELECT date(datetime(i.invited_at, '+8 hours')), i.window_id, "
        "coalesce(si.department_id, w.department_id, 0), count(*), "
        "sum(i.status IN ('rated', 'defaulted')) "
        "FROM invitation i JOIN window w ON w.id = i.window_id "
        "LEFT JOIN service_item si ON si.id = i.service_id "
        "WHERE NOT EXISTS (SELECT 1 FROM rating r WHERE r.invitation_id = i.id AND r.excluded) "
        "GROUP BY 1, 2, 3")


def upgrade():
    op.create_table('rating_facet_day',
    sa.Column('facet', sa.String(length=10), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('n1', sa.Integer(), nullable=False),
    sa.Column('n2', sa.Integer(), nullable=False),
    sa.Column('n3', sa.Integer(), nullable=False),
    sa.Column('n4', sa.Integer(), nullable=False),
    sa.Column('n5', sa.Integer(), nullable=False),
    sa.Column('n_default', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('facet', 'day', 'department_id', 'key', name=op.f('pk_rating_facet_day'))
    )
    with op.batch_alter_table('bad_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publishable', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('invitation_day',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'window_id', 'department_id', name=op.f('pk_invitation_day'))
    )

    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_uninvited_bad', ['window_id', 'rated_at'], unique=False, sqlite_where=sa.text('uninvited AND level >= 4'), postgresql_where=sa.text('uninvited AND level >= 4'))

    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.drop_column('count_uninvited')

    _fill_facets()
    _fill_invitations()


def downgrade():
    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count_uninvited', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_uninvited_bad', sqlite_where=sa.text('uninvited AND level >= 4'), postgresql_where=sa.text('uninvited AND level >= 4'))

    op.drop_table('invitation_day')

    with op.batch_alter_table('bad_case', schema=None) as batch_op:
        batch_op.drop_column('publishable')

    op.drop_table('rating_facet_day')
