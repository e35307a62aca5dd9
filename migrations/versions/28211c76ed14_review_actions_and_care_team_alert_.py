"""review actions and care-team alert choices

Revision ID: 28211c76ed14
Revises: c5ce0d8dffdd
Create Date: 2026-12-03 07:00:41.066974

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "28211c76ed14"
down_revision = "c5ce0d8dffdd"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_action", sa.String(length=20), server_default="", nullable=False)
        )

    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("flag_alerts", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("notice_alerts", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("handed_in_alerts", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_column("handed_in_alerts")
        batch_op.drop_column("notice_alerts")
        batch_op.drop_column("flag_alerts")

    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("review_action")
