"""a client's discharge: the program's last day and why; when a closed account was erased

Revision ID: d4e5f6a7b8c9
Revises: c3a9f1d2e8b7
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e5f6a7b8c9'
down_revision = 'c3a9f1d2e8b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discharged_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('discharge_reason', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('discharge_reason')
        batch_op.drop_column('discharged_on')
