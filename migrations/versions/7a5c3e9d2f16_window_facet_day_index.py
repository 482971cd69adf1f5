"""statistics: index rating_window_facet_day by facet and day (every window's totals of a
period)

Revision ID: 7a5c3e9d2f16
Revises: 3d9f6a2b8c41
Create Date: 2026-11-30 20:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7a5c3e9d2f16'
down_revision = '3d9f6a2b8c41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating_window_facet_day', schema=None) as batch_op:
        batch_op.create_index('ix_rating_window_facet_day_day', ['facet', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('rating_window_facet_day', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_window_facet_day_day')
