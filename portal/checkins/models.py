"""The daily check-in."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_versions import owned_by_client
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

MOODS = (1, 2, 3, 4, 5)
SLEEP = ("well", "okay", "poorly", "hardly")
REVIEW_ACTIONS = ("called_client", "safety_plan", "crisis_referral", "other")


class CheckIn(db.Model):
    """One client's answers for one day in the clinic's time zone."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("client_id", "day", name="uq_checkins_client_day"),
        CheckConstraint("mood BETWEEN 1 AND 5", name="mood_range"),
        CheckConstraint("craving BETWEEN 0 AND 10", name="craving_range"),
        CheckConstraint("confidence BETWEEN 0 AND 10", name="confidence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    mood: Mapped[int]
    craving: Mapped[int]
    used: Mapped[bool] = mapped_column(default=False)
    used_what: Mapped[str] = mapped_column(String(200), default="")
    sleep: Mapped[str] = mapped_column(String(10))
    triggers: Mapped[list] = mapped_column(JSON, default=list)
    coping: Mapped[list] = mapped_column(JSON, default=list)
    confidence: Mapped[int]
    self_harm: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Once flagged, a check-in stays flagged: an edit must not hide a hard moment from the team.
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    flag_reasons: Mapped[list] = mapped_column(JSON, default=list)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What was done: one of REVIEW_ACTIONS; "" on reviews recorded before actions were asked.
    review_action: Mapped[str] = mapped_column(String(20), default="", server_default="")
    review_note: Mapped[str] = mapped_column(String(500), default="")

    client = relationship("User", foreign_keys=[client_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def flagged(self) -> bool:
        return self.flagged_at is not None

    @property
    def needs_review(self) -> bool:
        return self.flagged and self.reviewed_at is None


# What pages may keep in a cache changes with these (portal/data_versions.py).
owned_by_client(CheckIn, "client_id")
