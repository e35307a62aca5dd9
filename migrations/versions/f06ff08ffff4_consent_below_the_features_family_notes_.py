"""consent below the features: a note for family on a changed session; an authorized
representative on a consent; the unread "before a saved meeting" preference goes

Revision ID: f06ff08ffff4
Revises: 28211c76ed14
Create Date: 2026-12-03 07:19:14.725870

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f06ff08ffff4"
down_revision = "28211c76ed14"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get "" (no representative; no note for family), then the default goes.
    with op.batch_alter_table("consent_grants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("representative_name", sa.String(120), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "representative_relationship", sa.String(80), nullable=False, server_default=""
            )
        )
    with op.batch_alter_table("occurrence_changes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("family_note", sa.String(200), nullable=False, server_default="")
        )
    with op.batch_alter_table("consent_grants", schema=None) as batch_op:
        batch_op.alter_column("representative_name", server_default=None)
        batch_op.alter_column("representative_relationship", server_default=None)
    with op.batch_alter_table("occurrence_changes", schema=None) as batch_op:
        batch_op.alter_column("family_note", server_default=None)
    # Never read: each saved meeting carries the lead time chosen when saving it.
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_column("meeting_lead_minutes")


def downgrade():
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_lead_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("occurrence_changes", schema=None) as batch_op:
        batch_op.drop_column("family_note")
    with op.batch_alter_table("consent_grants", schema=None) as batch_op:
        batch_op.drop_column("representative_relationship")
        batch_op.drop_column("representative_name")
