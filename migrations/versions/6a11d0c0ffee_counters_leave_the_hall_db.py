"""rate-limit counters move out of the hall database (instance/ratelimit.db)

Revision ID: 6a11d0c0ffee
Revises: 22eff29ac260
Create Date: 2026-11-30 15:20:00

The counters are short-lived (minutes to an hour): nothing in them is worth carrying over.
"""
from alembic import op
import sqlalchemy as sa


revision = '6a11d0c0ffee'
down_revision = '22eff29ac260'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rate_limit_hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_hit_expires_at'))
    op.drop_table('rate_limit_hit')


def downgrade():
    op.create_table('rate_limit_hit',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_hit'))
    )
    with op.batch_alter_table('rate_limit_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_hit_expires_at'), ['expires_at'],
                              unique=False)
