"""the language a consent was read and signed in

Revision ID: e1f2a3b4c5d6
Revises: d4e5f6a7b8c9
Create Date: 2026-12-03 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1f2a3b4c5d6'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    # Every consent before this one was written in English, the only language there was.
    with op.batch_alter_table('consent_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), server_default='en', nullable=False))


def downgrade():
    with op.batch_alter_table('consent_grants', schema=None) as batch_op:
        batch_op.drop_column('language')
