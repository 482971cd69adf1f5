"""departments: the department table; items, windows, handlers, ratings and 差评 cases point at one

No existing row gets a department: a hall assigns them after importing its list.

Revision ID: f71332fe21d4
Revises: 5ec0a1d2b3c4
Create Date: 2026-11-30 14:18:45.787699

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f71332fe21d4'
down_revision = '5ec0a1d2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_department_credit_code'))
    )
    with op.batch_alter_table('bad_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_bad_case_department', ['department_id', 'status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bad_case_department_id_department'), 'department', ['department_id'], ['id'])

    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_rating_department_rated', ['department_id', 'rated_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_rating_department_id_department'), 'department', ['department_id'], ['id'])

    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_service_item_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_service_item_department_id_department'), 'department', ['department_id'], ['id'])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_account_department_id_department'), 'department', ['department_id'], ['id'])

    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_window_department_id_department'), 'department', ['department_id'], ['id'])



def downgrade():
    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_window_department_id_department'), type_='foreignkey')
        batch_op.drop_column('department_id')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_department_id_department'), type_='foreignkey')
        batch_op.drop_column('department_id')

    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_service_item_department_id_department'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_service_item_department_id'))
        batch_op.drop_column('department_id')

    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rating_department_id_department'), type_='foreignkey')
        batch_op.drop_index('ix_rating_department_rated')
        batch_op.drop_column('department_id')

    with op.batch_alter_table('bad_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bad_case_department_id_department'), type_='foreignkey')
        batch_op.drop_index('ix_bad_case_department')
        batch_op.drop_column('department_id')

    op.drop_table('department')
