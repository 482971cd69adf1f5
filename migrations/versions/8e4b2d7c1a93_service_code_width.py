"""service items: 事项编码 up to 40 characters (national 实施编码 with the 业务办理项 suffix
reach 33)

Revision ID: 8e4b2d7c1a93
Revises: 5c3a9e1f0b72
Create Date: 2026-11-30 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e4b2d7c1a93'
down_revision = '5c3a9e1f0b72'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=24),
                              type_=sa.String(length=40), existing_nullable=False)


def downgrade():
    # Codes longer than 24 characters would no longer fit: refuse rather than cut them.
    bind = op.get_bind()
    longest = bind.execute(sa.text("SELECT max(length(code)) FROM service_item")).scalar()
    if longest and longest > 24:
        raise RuntimeError("service items with codes over 24 characters exist; "
                           "shorten them before downgrading")
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=40),
                              type_=sa.String(length=24), existing_nullable=False)
