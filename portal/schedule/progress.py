"""Program progress: week N of 12, hours this week, attendance, and absences against the rule."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from .models import PHASES, Attendance, Enrollment

PRESENT = ("attended", "late")
COUNTED = ("attended", "late", "excused", "unexcused")


@dataclass
class Progress:
    enrollment: Enrollment
    week: int
    weeks: int
    week_start: date
    minutes_this_week: int
    counts: dict[str, int]

    @property
    def phase_label(self) -> str:
        return str(PHASES.get(self.enrollment.phase, self.enrollment.phase))

    @property
    def required_minutes(self) -> int:
        return self.enrollment.required_minutes_per_week

    @property
    def week_percent(self) -> int:
        if not self.required_minutes:
            return 100
        return min(100, round(100 * self.minutes_this_week / self.required_minutes))

    @property
    def unexcused(self) -> int:
        return self.counts.get("unexcused", 0)

    @property
    def attendance_percent(self) -> int | None:
        counted = sum(self.counts.get(s, 0) for s in COUNTED)
        if not counted:
            return None
        return round(100 * sum(self.counts.get(s, 0) for s in PRESENT) / counted)

    @property
    def absence_level(self) -> str:
        """Say how close the client is to the clinic's absence rule: ok, close or reached."""
        limit = self.enrollment.absence_warning_at
        if self.unexcused >= limit:
            return "reached"
        if self.unexcused >= limit - 1:
            return "close"
        return "ok"


def program_week(enrollment: Enrollment, today: date) -> int:
    """Return the program week (1-based) that holds today, within 1..planned weeks."""
    week = (today - enrollment.start_date).days // 7 + 1
    return max(1, min(week, enrollment.planned_weeks))


def week_bounds(enrollment: Enrollment, week: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware start and end of a program week (it begins on the start weekday)."""
    first = enrollment.start_date + timedelta(weeks=week - 1)
    start = datetime.combine(first, time(0), tzinfo=zone)
    return start, datetime.combine(first + timedelta(weeks=1), time(0), tzinfo=zone)


def enrollment_of(client) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(Enrollment.client_id == client.id))


def progress_for(client, now: datetime, zone: ZoneInfo) -> Progress | None:
    """Return a client's progress as of now, in three queries whatever the history's length."""
    enrollment = enrollment_of(client)
    if enrollment is None:
        return None
    week = program_week(enrollment, now.astimezone(zone).date())
    start, end = week_bounds(enrollment, week, zone)
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(Attendance.minutes), 0)).where(
            Attendance.client_id == client.id,
            Attendance.status.in_(PRESENT),
            Attendance.occurrence_start >= start,
            Attendance.occurrence_start < end,
        )
    )
    counts = dict(
        db.session.execute(
            select(Attendance.status, func.count())
            .where(Attendance.client_id == client.id)
            .group_by(Attendance.status)
        ).all()
    )
    return Progress(enrollment, week, enrollment.planned_weeks, start.date(), int(minutes), counts)
