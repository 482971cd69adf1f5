"""outbox: the sync daemon's leases in a table of their own

The daemon leased each outbox row by writing claimed_until into it, and let it go by
writing it again: two rewrites of every record (its text and envelope included) per batch,
besides the one that marks it sent. A lease is now a small row of outbox_lease. Upgrading
carries over the leases of unsent rows (a stopped daemon's, released at its next start).

Revision ID: c8e1f4a7b2d6
Revises: a3d9f6c2e8b1
Create Date: 2026-12-01 05:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c8e1f4a7b2d6'
down_revision = 'a3d9f6c2e8b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_lease',
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=False),
        sa.Column('claim', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['row_id'], ['outbox.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('row_id'),
    )
    op.create_index('ix_outbox_lease_claim', 'outbox_lease', ['claim'], unique=False)
    op.execute("INSERT INTO outbox_lease (row_id, claimed_until, claim) SELECT id,"
               " claimed_until, 0 FROM outbox WHERE claimed_until IS NOT NULL AND sent_at IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
    op.execute("UPDATE outbox SET claimed_until = (SELECT claimed_until FROM outbox_lease"
               " WHERE outbox_lease.row_id = outbox.id)")
    op.drop_index('ix_outbox_lease_claim', table_name='outbox_lease')
    op.drop_table('outbox_lease')
