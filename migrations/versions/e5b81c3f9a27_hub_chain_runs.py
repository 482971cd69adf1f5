"""hub chain: runs of seqs received (hub_chain_run) instead of every link (hub_chain_link)

Each stored record already holds its link; the hub keeps per hall only the stretches of
consecutive seqs it received, by their ends. Upgrading turns the links into runs (islands
of consecutive seqs per hall and restore: the first link's prev, the last link's hash) and
drops hub_chain_link. Downgrading recreates hub_chain_link empty: the links are in the
stored records, but the older code only needs them to compare a seq received twice and to
join a batch to what came before; without them it checks each batch on its own.

Revision ID: e5b81c3f9a27
Revises: 7a5c3e9d2f16
Create Date: 2026-11-30 22:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b81c3f9a27'
down_revision = '7a5c3e9d2f16'
branch_labels = None
depends_on = None

# Islands: within a hall's links of one restore, seq - row_number() is the same for every
# seq of a stretch without a hole.
RUNS_FROM_LINKS = """
INSERT INTO hub_chain_run (hall_code, retired_by, first_seq, first_prev, last_seq, last_hash)
SELECT g.hall_code, g.retired_by, g.first_seq, f.prev, g.last_seq, l.hash
FROM (
    SELECT hall_code, retired_by, MIN(seq) AS first_seq, MAX(seq) AS last_seq
    FROM (SELECT hall_code, retired_by, seq,
                 seq - ROW_NUMBER() OVER (PARTITION BY hall_code, retired_by ORDER BY seq)
                     AS island
          FROM hub_chain_link) AS numbered
    GROUP BY hall_code, retired_by, island
) AS g
JOIN hub_chain_link f ON f.hall_code = g.hall_code AND f.retired_by = g.retired_by
                     AND f.seq = g.first_seq
JOIN hub_chain_link l ON l.hall_code = g.hall_code AND l.retired_by = g.retired_by
                     AND l.seq = g.last_seq
"""


def upgrade():
    op.create_table('hub_chain_run',
    sa.Column('hall_code', sa.String(length=40), nullable=False),
    sa.Column('retired_by', sa.Integer(), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('first_prev', sa.String(length=64), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('hall_code', 'retired_by', 'first_seq', name=op.f('pk_hub_chain_run'))
    )
    with op.batch_alter_table('hub_chain_run', schema=None) as batch_op:
        batch_op.create_index('ix_hub_chain_run_last', ['hall_code', 'retired_by', 'last_seq'],
                              unique=False)
    op.execute(RUNS_FROM_LINKS)
    op.drop_table('hub_chain_link')


def downgrade():
    op.create_table('hub_chain_link',
    sa.Column('hall_code', sa.String(length=40), nullable=False),
    sa.Column('retired_by', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('hall_code', 'retired_by', 'seq', name=op.f('pk_hub_chain_link'))
    )
    with op.batch_alter_table('hub_chain_run', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_chain_run_last')
    op.drop_table('hub_chain_run')
