"""notices can be taken back (withdrawn_at); one attendance entry per meeting per day

Revision ID: a15d0c7e2b41
Revises: a18c0ffee018
Create Date: 2026-12-03 09:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a15d0c7e2b41"
down_revision = "a18c0ffee018"
branch_labels = None
depends_on = None

DUPLICATES = """
DELETE FROM meeting_attendance WHERE id IN (
    SELECT a.id FROM meeting_attendance a JOIN meeting_attendance b
      ON a.client_id = b.client_id AND a.attended_on = b.attended_on AND a.id > b.id
     AND (a.{column} = b.{column})
)
"""


def upgrade():
    with op.batch_alter_table("absence_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
    # The same meeting logged twice for one day (a double tap) counted twice toward the goal:
    # keep the first entry of each pair before the rule becomes a constraint.
    for column in ("meeting_id", "personal_meeting_id"):
        op.execute(DUPLICATES.format(column=column))
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_meeting_attendance_meeting_day", ["client_id", "attended_on", "meeting_id"]
        )
        batch_op.create_unique_constraint(
            "uq_meeting_attendance_personal_day",
            ["client_id", "attended_on", "personal_meeting_id"],
        )


def downgrade():
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.drop_constraint("uq_meeting_attendance_personal_day", type_="unique")
        batch_op.drop_constraint("uq_meeting_attendance_meeting_day", type_="unique")
    with op.batch_alter_table("absence_notices", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
