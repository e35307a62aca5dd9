"""one table of idempotency keys for check-ins and homework drafts

Revision ID: b7d1e2a4c9f0
Revises: 865687ecd2a5
Create Date: 2026-12-03 17:05:00

Check-ins and homework drafts kept their keys in two tables with two protocols (a check-in
claimed its key first and could be left "in flight"). Both now write one row per key in the
same transaction as the change, so the keys move into one table. A check-in key still in flight
(no check-in) is dropped: the phone's retry saves it afresh.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d1e2a4c9f0'
down_revision = '865687ecd2a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_idempotency_keys_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('key', name=op.f('uq_idempotency_keys_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_owner_id'), ['owner_id'], unique=False)

    op.execute(
        "INSERT INTO idempotency_keys (key, scope, owner_id, body_hash, outcome, result_id, created_at)"
        " SELECT key, 'checkin', client_id, body_hash, 'saved', checkin_id, created_at"
        " FROM checkin_submissions WHERE checkin_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO idempotency_keys (key, scope, owner_id, body_hash, outcome, result_id, created_at)"
        " SELECT key, 'homework-draft', client_id, body_hash, outcome, answer_id, created_at"
        " FROM homework_draft_saves"
    )

    with op.batch_alter_table('checkin_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_submissions_client_id'))
    op.drop_table('checkin_submissions')
    with op.batch_alter_table('homework_draft_saves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_draft_saves_client_id'))
    op.drop_table('homework_draft_saves')


def downgrade():
    op.create_table('homework_draft_saves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['homework_answers.id'], name=op.f('fk_homework_draft_saves_answer_id_homework_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_homework_draft_saves_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_draft_saves')),
    sa.UniqueConstraint('key', name=op.f('uq_homework_draft_saves_key'))
    )
    with op.batch_alter_table('homework_draft_saves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_draft_saves_client_id'), ['client_id'], unique=False)
    op.create_table('checkin_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_checkin_submissions_checkin_id_checkins'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_checkin_submissions_client_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_submissions')),
    sa.UniqueConstraint('key', name=op.f('uq_checkin_submissions_key'))
    )
    with op.batch_alter_table('checkin_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_submissions_client_id'), ['client_id'], unique=False)

    # Only keys whose row still exists go back: the old tables' foreign keys demand it.
    op.execute(
        "INSERT INTO checkin_submissions (key, client_id, body_hash, checkin_id, created_at)"
        " SELECT k.key, k.owner_id, k.body_hash, k.result_id, k.created_at"
        " FROM idempotency_keys k JOIN checkins c ON c.id = k.result_id"
        " WHERE k.scope = 'checkin'"
    )
    op.execute(
        "INSERT INTO homework_draft_saves (key, client_id, body_hash, answer_id, outcome, created_at)"
        " SELECT k.key, k.owner_id, k.body_hash, a.id, k.outcome, k.created_at"
        " FROM idempotency_keys k LEFT JOIN homework_answers a ON a.id = k.result_id"
        " WHERE k.scope = 'homework-draft'"
    )

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_owner_id'))
    op.drop_table('idempotency_keys')
