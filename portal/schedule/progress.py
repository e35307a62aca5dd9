"""Program progress: week N of 12, hours this week, attendance, and absences against the rule.

Two clocks, each said on screen: the program week counts from the client's start date (week 1
is days 1–7); "this week" for hours is the clinic's calendar week (portal/weeks.py)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..weeks import week_start as clinic_week_start
from .models import PHASES, Attendance, Enrollment

PRESENT = ("attended", "late")
COUNTED = ("attended", "late", "excused", "unexcused")


@dataclass
class Progress:
    enrollment: Enrollment
    week: int
    weeks: int
    day: int
    week_start: date
    minutes_this_week: int
    counts: dict[str, int]

    @property
    def phase_label(self) -> str:
        return str(PHASES.get(self.enrollment.phase, self.enrollment.phase))

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

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


def program_day(start: date, today: date) -> int:
    """Return which day of the program today is, the start date being day 1 (0 before it)."""
    return max(0, (today - start).days + 1)


def program_week(enrollment: Enrollment, today: date) -> int:
    """Return the program week (1-based) that holds today, within 1..planned weeks."""
    week = (program_day(enrollment.start_date, today) - 1) // 7 + 1
    return max(1, min(week, enrollment.planned_weeks))


def clinic_week_bounds(today: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware start and end of the clinic week holding today."""
    first = clinic_week_start(today)
    start = datetime.combine(first, time(0), tzinfo=zone)
    return start, datetime.combine(first + timedelta(days=7), time(0), tzinfo=zone)


def enrollment_of(client) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(Enrollment.client_id == client.id))


def progress_for(client, now: datetime, zone: ZoneInfo) -> Progress | None:
    """Return a client's progress as of now, in three queries whatever the history's length."""
    enrollment = enrollment_of(client)
    if enrollment is None:
        return None
    today = now.astimezone(zone).date()
    start, end = clinic_week_bounds(today, zone)
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
    return Progress(
        enrollment,
        program_week(enrollment, today),
        enrollment.planned_weeks,
        program_day(enrollment.start_date, today),
        start.date(),
        int(minutes),
        counts,
    )
