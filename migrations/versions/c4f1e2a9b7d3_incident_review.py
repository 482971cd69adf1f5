"""hub_integrity_incident: reviewed_at, reviewed_by, review_note (a supervisor marks an
incident as looked at, with a comment; the incident itself stays as it was)

Revision ID: c4f1e2a9b7d3
Revises: 8e4b2d7c1a93
Create Date: 2026-11-30 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1e2a9b7d3'
down_revision = '8e4b2d7c1a93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hub_integrity_incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('hub_integrity_incident', schema=None) as batch_op:
        batch_op.drop_column('review_note')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('reviewed_at')
