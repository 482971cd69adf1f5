"""hub tenancy (forwards_for, conflict count), aggregated auth refusals, session version

Revision ID: 5ec0a1d2b3c4
Revises: b7e2d4c91a05
Create Date: 2026-11-30 14:40:00

A lower hub that already forwarded records keeps forwarding for the origins it sent so
far; from now on it may name no other origin.
"""
from alembic import op
import sqlalchemy as sa


revision = '5ec0a1d2b3c4'
down_revision = 'b7e2d4c91a05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hub_hall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forwards_for', sa.JSON(), server_default='[]',
                                      nullable=False))
    with op.batch_alter_table('hub_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conflict', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('hub_auth_refusal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_hub_auth_refusal_bucket',
                                          ['remote_addr', 'path', 'reason', 'at'])
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))

    conn = op.get_bind()
    forwarded = conn.execute(sa.text(
        "SELECT DISTINCT sender_hall, origin_hall FROM hub_rating "
        "WHERE sender_hall <> origin_hall ORDER BY sender_hall, origin_hall")).all()
    origins: dict[str, list[str]] = {}
    for sender, origin in forwarded:
        origins.setdefault(sender, []).append(origin)
    hub_hall = sa.table('hub_hall', sa.column('code', sa.String), sa.column('may_forward'),
                        sa.column('forwards_for', sa.JSON))
    for sender, codes in origins.items():
        conn.execute(hub_hall.update().where(hub_hall.c.code == sender,
                                             hub_hall.c.may_forward == sa.true())
                     .values(forwards_for=codes))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('hub_auth_refusal', schema=None) as batch_op:
        batch_op.drop_constraint('uq_hub_auth_refusal_bucket', type_='unique')
        batch_op.drop_column('last_at')
        batch_op.drop_column('count')
    with op.batch_alter_table('hub_batch', schema=None) as batch_op:
        batch_op.drop_column('conflict')
    with op.batch_alter_table('hub_hall', schema=None) as batch_op:
        batch_op.drop_column('forwards_for')
