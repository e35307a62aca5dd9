"""The clinic's calendar: groups, enrollments, recurring session series and what happened."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_versions import owned_by_client, shared
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

KINDS = {
    "group": _l("Group session"),
    "individual": _l("Individual session"),
    "family": _l("Family session"),
    "psychoeducation": _l("Psychoeducation"),
    "medication": _l("Medication management"),
    "case_management": _l("Case management"),
    "other": _l("Appointment"),
}
PHASES = {
    "initial": _l("Initial phase"),
    "intermediate": _l("Intermediate phase"),
    "maintenance": _l("Maintenance phase"),
}
ATTENDANCE = {
    "attended": _l("Attended"),
    "late": _l("Late"),
    "excused": _l("Excused absence"),
    "unexcused": _l("Unexcused absence"),
    "cancelled": _l("Cancelled by clinic"),
}
NOTICE_KINDS = {"cant_make_it": _l("Can't make it"), "running_late": _l("Running late")}


class Group(db.Model):
    """A therapy group that meets on a recurring schedule; a client is in one at a time."""

    __tablename__ = "care_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series = relationship("SessionSeries", back_populates="group")


class Enrollment(db.Model):
    """A client's place in the program: when it started, how long, how intense, which group."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("care_groups.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    planned_weeks: Mapped[int] = mapped_column(default=12)
    phase: Mapped[str] = mapped_column(String(20), default="initial")
    required_minutes_per_week: Mapped[int] = mapped_column(default=9 * 60)
    absence_warning_at: Mapped[int] = mapped_column(default=2)

    client = relationship("User")
    group: Mapped[Group | None] = relationship()


class SessionSeries(db.Model):
    """One session or a weekly series, kept as local wall-clock time in its time zone.

    A series belongs to a group (every member attends) or to one client; a family series also
    lists the family members it is shared with.
    """

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("care_groups.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int]
    # Empty for a one-off; otherwise weekday numbers 0=Monday..6=Sunday, e.g. "0,2,3".
    weekdays: Mapped[str] = mapped_column(String(20), default="")
    interval_weeks: Mapped[int] = mapped_column(default=1)
    until_date: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(80), default="")
    telehealth_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group | None] = relationship(back_populates="series")
    client = relationship("User", foreign_keys=[client_id])
    facilitator = relationship("User", foreign_keys=[facilitator_id])
    family_members = relationship("User", secondary="series_family_members", viewonly=True)

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, KINDS["other"]))

    @property
    def is_recurring(self) -> bool:
        return bool(self.weekdays)

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d != ""]


class SeriesFamilyMember(db.Model):
    """A family member a family session is shared with."""

    __tablename__ = "series_family_members"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("session_series.id", ondelete="CASCADE"), primary_key=True
    )
    family_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class OccurrenceChange(db.Model):
    """One occurrence cancelled or moved, named by its original start, the rest untouched."""

    __tablename__ = "occurrence_changes"
    __table_args__ = (UniqueConstraint("series_id", "original_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id", ondelete="CASCADE"))
    original_start: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled: Mapped[bool] = mapped_column(default=False)
    new_start: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    new_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")
    # Written for family members; staff's `note` is never shown to them.
    family_note: Mapped[str] = mapped_column(String(200), default="")
    # Bumped on every change, so calendar apps replace their copy (RFC 5545 SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=1)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    """Whether one client came to one occurrence; minutes are kept so hours need no replay."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("client_id", "series_id", "occurrence_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(12))
    minutes: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return str(ATTENDANCE.get(self.status, self.status))


class AbsenceNotice(db.Model):
    """ "I can't make it" or "running late" for one occurrence, sent by a client."""

    __tablename__ = "absence_notices"
    __table_args__ = (UniqueConstraint("person_id", "series_id", "occurrence_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Taken back by the client before the session started; kept, so the care team sees both.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("User")
    series = relationship(SessionSeries)

    @property
    def label(self) -> str:
        return str(NOTICE_KINDS.get(self.kind, self.kind))

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class CalendarFeed(db.Model):
    """A person's private calendar feed address; making a new one retires the old."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # Like every other token, only its hash is kept: a copy of the database opens no feed. The
    # address can still be shown again, because the token is derived from `nonce` with the
    # app's secret key (see rules.feed_token), which the database does not hold.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str | None] = mapped_column(String(32))
    full_titles: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


# What pages may keep in a cache changes with these (portal/data_versions.py).
for _model in (Group, SessionSeries, OccurrenceChange, SeriesFamilyMember):
    shared(_model)
owned_by_client(Enrollment, "client_id")
owned_by_client(Attendance, "client_id")
owned_by_client(AbsenceNotice, "person_id")
