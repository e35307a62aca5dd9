"""homework: assignments, resources, questions, copies, answers, draft save keys

Revision ID: c5ce0d8dffdd
Revises: b435ab327c32
Create Date: 2026-11-22 11:29:15.167275

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5ce0d8dffdd'
down_revision = 'b435ab327c32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('homework_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('due_kind', sa.String(length=12), nullable=False),
    sa.Column('due_series_id', sa.Integer(), nullable=True),
    sa.Column('due_occurrence_key', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_homework_assignments_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_homework_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['due_series_id'], ['session_series.id'], name=op.f('fk_homework_assignments_due_series_id_session_series'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['care_groups.id'], name=op.f('fk_homework_assignments_group_id_care_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_assignments'))
    )
    with op.batch_alter_table('homework_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_assignments_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_homework_assignments_group_id'), ['group_id'], unique=False)

    op.create_table('homework_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('handed_in_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('feedback_seen_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['homework_assignments.id'], name=op.f('fk_homework_copies_assignment_id_homework_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_homework_copies_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_homework_copies_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_copies')),
    sa.UniqueConstraint('assignment_id', 'client_id', name='uq_homework_copies_assignment_client')
    )
    with op.batch_alter_table('homework_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_copies_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_homework_copies_client_id'), ['client_id'], unique=False)

    op.create_table('homework_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['homework_assignments.id'], name=op.f('fk_homework_questions_assignment_id_homework_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_questions'))
    )
    with op.batch_alter_table('homework_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_questions_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('homework_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['homework_assignments.id'], name=op.f('fk_homework_resources_assignment_id_homework_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_resources'))
    )
    with op.batch_alter_table('homework_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_resources_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('homework_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('copy_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['copy_id'], ['homework_copies.id'], name=op.f('fk_homework_answers_copy_id_homework_copies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['homework_questions.id'], name=op.f('fk_homework_answers_question_id_homework_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_answers')),
    sa.UniqueConstraint('copy_id', 'question_id', name='uq_homework_answers_copy_question')
    )
    with op.batch_alter_table('homework_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_answers_copy_id'), ['copy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_homework_answers_question_id'), ['question_id'], unique=False)

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



def downgrade():
    with op.batch_alter_table('homework_draft_saves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_draft_saves_client_id'))

    op.drop_table('homework_draft_saves')
    with op.batch_alter_table('homework_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_answers_question_id'))
        batch_op.drop_index(batch_op.f('ix_homework_answers_copy_id'))

    op.drop_table('homework_answers')
    with op.batch_alter_table('homework_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_resources_assignment_id'))

    op.drop_table('homework_resources')
    with op.batch_alter_table('homework_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_questions_assignment_id'))

    op.drop_table('homework_questions')
    with op.batch_alter_table('homework_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_copies_client_id'))
        batch_op.drop_index(batch_op.f('ix_homework_copies_assignment_id'))

    op.drop_table('homework_copies')
    with op.batch_alter_table('homework_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_assignments_group_id'))
        batch_op.drop_index(batch_op.f('ix_homework_assignments_client_id'))

    op.drop_table('homework_assignments')
