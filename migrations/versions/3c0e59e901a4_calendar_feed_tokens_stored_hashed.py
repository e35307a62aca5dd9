"""calendar feed tokens stored hashed, like every other token

Revision ID: 3c0e59e901a4
Revises: f06ff08ffff4
Create Date: 2026-12-03 10:05:00

"""

import hashlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c0e59e901a4"
down_revision = "f06ff08ffff4"
branch_labels = None
depends_on = None

feeds = sa.table(
    "calendar_feeds",
    sa.column("id", sa.Integer),
    sa.column("token", sa.String),
    sa.column("token_hash", sa.String),
)


def upgrade():
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("nonce", sa.String(32), nullable=True))
    # Addresses already in people's calendars keep working: their hash is what is kept. They
    # have no nonce, so the settings page cannot show them again (a new one can be made).
    connection = op.get_bind()
    for feed_id, token in connection.execute(sa.select(feeds.c.id, feeds.c.token)).all():
        digest = hashlib.sha256(token.encode()).hexdigest()
        connection.execute(feeds.update().where(feeds.c.id == feed_id).values(token_hash=digest))
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.alter_column("token_hash", existing_type=sa.String(64), nullable=False)
        batch_op.create_unique_constraint("uq_calendar_feeds_token_hash", ["token_hash"])
        batch_op.drop_constraint("uq_calendar_feeds_token", type_="unique")
        batch_op.drop_column("token")


def downgrade():
    # The tokens themselves are gone: downgrading retires every feed address.
    op.execute(sa.delete(feeds))
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(64), nullable=False))
        batch_op.create_unique_constraint("uq_calendar_feeds_token", ["token"])
        batch_op.drop_constraint("uq_calendar_feeds_token_hash", type_="unique")
        batch_op.drop_column("nonce")
        batch_op.drop_column("token_hash")
