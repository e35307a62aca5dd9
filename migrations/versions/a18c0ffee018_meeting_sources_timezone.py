"""meeting sources: a time zone per source, for feeds whose meetings name none

Revision ID: a18c0ffee018
Revises: 3c0e59e901a4
Create Date: 2026-12-03 10:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = "a18c0ffee018"
down_revision = "3c0e59e901a4"
branch_labels = None
depends_on = None


def upgrade():
    # "" means the clinic's zone, which is how every existing source was read until now.
    with op.batch_alter_table("meeting_sources") as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("meeting_sources") as batch_op:
        batch_op.drop_column("timezone")
