"""Homework: the care team's assignment, and each client's own copy with their answers."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_versions import owned_by_client, shared
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

STATUSES = {
    "assigned": _l("To do"),
    "handed_in": _l("Handed in"),
    "done": _l("Done"),
    "reviewed": _l("Reviewed"),
}
OPEN, HANDED_IN, DONE, REVIEWED = "assigned", "handed_in", "done", "reviewed"


class HomeworkAssignment(db.Model):
    """What a counselor assigned, to one client or to a group; each client gets a copy."""

    __tablename__ = "homework_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    instructions: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitized on display
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("care_groups.id"), index=True)
    # "Before the next group session" is resolved once, when assigning, and kept: the copy's
    # due time must not drift later if that session is cancelled or moved afterwards.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_kind: Mapped[str] = mapped_column(String(12), default="at")
    due_series_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_series.id", ondelete="SET NULL")
    )
    due_occurrence_key: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User", foreign_keys=[created_by_id])
    client = relationship("User", foreign_keys=[client_id])
    group = relationship("Group")
    resources: Mapped[list["HomeworkResource"]] = relationship(
        order_by="HomeworkResource.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list["HomeworkQuestion"]] = relationship(
        order_by="HomeworkQuestion.position", cascade="all, delete-orphan"
    )
    copies: Mapped[list["HomeworkCopy"]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class HomeworkResource(db.Model):
    """A link to read or watch, with a title; only http(s) addresses are kept."""

    __tablename__ = "homework_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("homework_assignments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))


class HomeworkQuestion(db.Model):
    """One worksheet question that takes a written answer."""

    __tablename__ = "homework_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("homework_assignments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(500))


class HomeworkCopy(db.Model):
    """One client's own copy of an assignment: where they are with it, and the feedback."""

    __tablename__ = "homework_copies"
    __table_args__ = (
        UniqueConstraint("assignment_id", "client_id", name="uq_homework_copies_assignment_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("homework_assignments.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    handed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[HomeworkAssignment] = relationship(back_populates="copies")
    client = relationship("User", foreign_keys=[client_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    answers: Mapped[list["HomeworkAnswer"]] = relationship(cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def new_feedback(self) -> bool:
        return self.status == REVIEWED and bool(self.feedback) and self.feedback_seen_at is None


class HomeworkAnswer(db.Model):
    """A client's written answer to one question; `revision` (the phone's clock in ms when it
    was typed) keeps an older draft replayed from the outbox from overwriting a newer one."""

    __tablename__ = "homework_answers"
    __table_args__ = (
        UniqueConstraint("copy_id", "question_id", name="uq_homework_answers_copy_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(
        ForeignKey("homework_copies.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("homework_questions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# What pages may keep in a cache changes with these (portal/data_versions.py).
for _model in (HomeworkAssignment, HomeworkResource, HomeworkQuestion):
    shared(_model)
owned_by_client(HomeworkCopy, "client_id")
