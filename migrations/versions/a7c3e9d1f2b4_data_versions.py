"""data versions for the page caches: one per client, one shared; counselor_id indexed

Revision ID: a7c3e9d1f2b4
Revises: e1f2a3b4c5d6
Create Date: 2026-12-04 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e9d1f2b4'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows start at 0: the caches are in memory, so none holds an entry yet.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_users_counselor_id'), ['counselor_id'], unique=False)
    op.create_table(
        'data_versions',
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('data_versions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_counselor_id'))
        batch_op.drop_column('data_version')
