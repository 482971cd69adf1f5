"""device identity on ratings; SLZ-68 caller wiring on devices

Revision ID: b7d2c4e81a90
Revises: f95b669094ac
Create Date: 2026-11-30 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d2c4e81a90'
down_revision = 'f95b669094ac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_serial', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('device_address', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('device_keys', sa.Integer(), nullable=True))
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_address', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offer_timeout_s', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('offer_timeout_s')
        batch_op.drop_column('caller_address')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_column('device_keys')
        batch_op.drop_column('device_address')
        batch_op.drop_column('device_serial')
