"""The attendance log ("I went") and the weekly meeting goal the counselor sets."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import zone_for
from ..weeks import week_start
from .models import Meeting, MeetingAttendance, MeetingGoal, PersonalMeeting

MAX_GOAL = 21  # three a day is already a lot


@dataclass(frozen=True)
class WeekProgress:
    """Meetings logged this clinic week (portal/weeks.py) against the goal, if there is one."""

    count: int
    goal: int | None

    @property
    def met(self) -> bool:
        return bool(self.goal) and self.count >= self.goal


def today_for(client, now: datetime) -> date:
    """Return the date at `now` where the client is."""
    return now.astimezone(zone_for(client)).date()


def already_logged(
    client,
    attended_on: date,
    meeting: Meeting | None = None,
    personal: PersonalMeeting | None = None,
    title: str = "",
) -> bool:
    """Say whether the client logged this same meeting on this same day before."""
    same = select(MeetingAttendance.id).where(
        MeetingAttendance.client_id == client.id, MeetingAttendance.attended_on == attended_on
    )
    if meeting is not None:
        same = same.where(MeetingAttendance.meeting_id == meeting.id)
    elif personal is not None:
        same = same.where(MeetingAttendance.personal_meeting_id == personal.id)
    else:
        same = same.where(
            MeetingAttendance.meeting_id.is_(None),
            MeetingAttendance.personal_meeting_id.is_(None),
            func.lower(MeetingAttendance.title) == title.strip().lower(),
        )
    return db.session.scalar(same.limit(1)) is not None


def log_attendance(
    client,
    attended_on: date,
    meeting: Meeting | None = None,
    personal: PersonalMeeting | None = None,
    title: str = "",
    note: str = "",
) -> MeetingAttendance | None:
    """Record that the client went to a meeting: one from the directory, their own, or named.

    Return None when that meeting is already logged for that day (a second tap, two tabs)."""
    if already_logged(client, attended_on, meeting, personal, title):
        return None
    entry = MeetingAttendance(
        client_id=client.id,
        attended_on=attended_on,
        meeting_id=meeting.id if meeting else None,
        personal_meeting_id=personal.id if personal else None,
        title=(meeting or personal).name if (meeting or personal) else title,
        note=note,
    )
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:  # the same entry committed by a request running alongside this one
        db.session.rollback()
        return None
    return entry


def attendance_log(client, limit: int = 200) -> list[MeetingAttendance]:
    """Return the client's attendance, newest first."""
    return list(
        db.session.scalars(
            select(MeetingAttendance)
            .where(MeetingAttendance.client_id == client.id)
            .order_by(MeetingAttendance.attended_on.desc(), MeetingAttendance.id.desc())
            .limit(limit)
        )
    )


def goal_of(client) -> MeetingGoal | None:
    return db.session.scalar(select(MeetingGoal).where(MeetingGoal.client_id == client.id))


def set_goal(client, per_week: int, by) -> MeetingGoal | None:
    """Set how many meetings a week the client aims for; 0 removes the goal."""
    goal, by_id = goal_of(client), by.id if by else None
    if per_week == 0:
        if goal is not None:
            db.session.delete(goal)
        db.session.commit()
        return None
    if goal is None:
        goal = MeetingGoal(client_id=client.id, per_week=per_week)
        db.session.add(goal)
    goal.per_week, goal.set_by_id = per_week, by_id
    db.session.commit()
    return goal


def week_progress(client, today: date) -> WeekProgress:
    """Count the meetings logged in the week of `today` and compare with the goal."""
    first = week_start(today)
    count = (
        select(func.count())
        .select_from(MeetingAttendance)
        .where(
            MeetingAttendance.client_id == client.id,
            MeetingAttendance.attended_on >= first,
            MeetingAttendance.attended_on < first + timedelta(days=7),
        )
        .scalar_subquery()
    )
    goal = select(MeetingGoal.per_week).where(MeetingGoal.client_id == client.id)
    # One round trip for both numbers: every page that shows the week's meetings asks this.
    logged, per_week = db.session.execute(select(count, goal.scalar_subquery())).one()
    return WeekProgress(count=logged, goal=per_week)
