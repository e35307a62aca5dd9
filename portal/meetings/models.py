"""Peer-support meetings: the feeds they come from, the directory, and each client's own list."""

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_versions import owned_by_client, shared
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

# Attendance modes, derived from the feed (see feed.attendance_mode).
IN_PERSON, ONLINE, HYBRID = "in_person", "online", "hybrid"


class MeetingSource(db.Model):
    """A Meeting Guide feed the clinic imports: a URL or a file path, refreshed every so often."""

    __tablename__ = "meeting_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(2000), unique=True)
    refresh_hours: Mapped[int] = mapped_column(default=24)  # 0: only by hand
    # The zone of meetings that name none; most feeds carry no `timezone`, and a California
    # feed read in an Eastern clinic's zone would show every meeting three hours early.
    # "": the clinic's zone.
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str] = mapped_column(String(500), default="")


class Meeting(db.Model):
    """One weekly meeting of a feed, kept by its slug; retired, not deleted, when it vanishes."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("source_id", "slug", name="uq_meetings_source_id_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("meeting_sources.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    # Days as digits, 0 = Sunday as in the spec: "135" is Monday, Wednesday and Friday.
    days: Mapped[str] = mapped_column(String(7))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(10), index=True)
    # Codes between bars ("|O|DD|S|") so one LIKE finds a code on SQLite and PostgreSQL alike.
    type_codes: Mapped[str] = mapped_column(String(1000), default="")
    location: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    region: Mapped[str] = mapped_column(String(255), default="")
    group_name: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    location_notes: Mapped[str] = mapped_column(Text, default="")
    conference_url: Mapped[str] = mapped_column(String(2000), default="")
    conference_url_notes: Mapped[str] = mapped_column(Text, default="")
    conference_phone: Mapped[str] = mapped_column(String(64), default="")
    conference_phone_notes: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the imported fields, to skip no-ops
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source = relationship("MeetingSource")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def types(self) -> list[str]:
        """Return the meeting's type codes in feed order."""
        return [code for code in self.type_codes.split("|") if code]

    @property
    def day_numbers(self) -> list[int]:
        return [int(d) for d in self.days]

    @property
    def meets_in_person(self) -> bool:
        return self.mode in (IN_PERSON, HYBRID)

    @property
    def area(self) -> str:
        """Say where an online meeting is based; its address is only an area, never a "Where"."""
        return self.region or ("" if self.meets_in_person else self.address)

    @property
    def video_provider(self) -> str | None:
        """Return the video service the link opens; None when it is just a web page."""
        from .links import conference_provider  # links imports nothing from here; no cycle

        return conference_provider(self.conference_url) if self.conference_url else None


class SavedMeeting(db.Model):
    """A meeting a client keeps in "My meetings", with how long before it to be reminded."""

    __tablename__ = "saved_meetings"
    __table_args__ = (
        UniqueConstraint("client_id", "meeting_id", name="uq_saved_meetings_client_id_meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    reminder_minutes: Mapped[int] = mapped_column(default=0)  # 0: no reminder
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship("User")
    meeting: Mapped[Meeting] = relationship()

    @property
    def no_longer_listed(self) -> bool:
        """Tell whether the feed dropped this meeting since the client saved it."""
        return self.meeting.retired


class PersonalMeeting(db.Model):
    """A weekly meeting a client goes to that is in no feed."""

    __tablename__ = "personal_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    day: Mapped[int]  # 0 = Sunday, as in the feeds
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(255), default="")
    link: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship("User")

    @property
    def days(self) -> str:
        return str(self.day)


class MeetingAttendance(db.Model):
    """A meeting a client went to ("I went"): from the directory, their own, or by name."""

    __tablename__ = "meeting_attendance"
    # One entry per meeting per day; entries named by hand are checked in attendance.py.
    __table_args__ = (
        UniqueConstraint(
            "client_id", "attended_on", "meeting_id", name="uq_meeting_attendance_meeting_day"
        ),
        UniqueConstraint(
            "client_id",
            "attended_on",
            "personal_meeting_id",
            name="uq_meeting_attendance_personal_day",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attended_on: Mapped[date] = mapped_column(Date)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    personal_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("personal_meetings.id", ondelete="SET NULL")
    )
    # The name as it was that day, so the log stays readable when a meeting changes or goes.
    title: Mapped[str] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship("User")
    meeting = relationship("Meeting")


class MeetingGoal(db.Model):
    """How many meetings a week the counselor asks a client to go to."""

    __tablename__ = "meeting_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    per_week: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# What pages may keep in a cache changes with these (portal/data_versions.py).
shared(Meeting)
for _model in (SavedMeeting, PersonalMeeting, MeetingAttendance, MeetingGoal):
    owned_by_client(_model, "client_id")
