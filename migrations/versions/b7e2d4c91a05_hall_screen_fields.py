"""English names, 监督电话, 服务承诺 and staff 星级 for the window touchscreen's idle screen

Revision ID: b7e2d4c91a05
Revises: b7d2c4e81a90
Create Date: 2026-11-30 14:50:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'b7e2d4c91a05'
down_revision = 'b7d2c4e81a90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('supervision_phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('service_promise', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stars', sa.Integer(), nullable=True))
    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.drop_column('name_en')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('stars')
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.drop_column('service_promise')
        batch_op.drop_column('supervision_phone')
        batch_op.drop_column('name_en')
