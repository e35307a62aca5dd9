"""The reminder sources of the other features for clients: the daily check-in, saved meetings,
homework (the care team's own are in care_sources.py). Each returns every reminder still useful (see
reminders.py); the dispatcher sends the due ones and withdraws what a source stops returning."""

from datetime import datetime, time, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..accounts.program import stage
from ..checkins.models import CheckIn
from ..extensions import db
from ..homework.models import OPEN, HomeworkAssignment, HomeworkCopy
from ..meetings.models import Meeting, SavedMeeting
from ..meetings.weekly import occurrences
from ..timeutil import clinic_zone
from . import messages
from .care_sources import register_care_team_sources
from .reminders import Reminder, preferences_for, register_source, subscribed_people, waking_moment


def due_checkin_reminders(now: datetime) -> list[Reminder]:
    """Remind each client with a device at their chosen time, unless they checked in today."""
    zone = clinic_zone()
    today = now.astimezone(zone).date()
    people = subscribed_people(("client",))
    done = set(
        db.session.scalars(
            select(CheckIn.client_id).where(
                CheckIn.client_id.in_([p.id for p in people]), CheckIn.day == today
            )
        )
    )
    prefs = preferences_for(p.id for p in people)
    midnight = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    result = []
    for person in people:
        chosen = prefs[person.id].checkin_time
        if person.id in done or chosen is None:
            continue
        moment = waking_moment(
            datetime.combine(today, chosen, tzinfo=zone), midnight, now, prefs[person.id], zone
        )
        if moment is None:
            continue
        title, body = messages.checkin_text(person.locale)
        tag = messages.opaque_id("checkin", str(person.id), today.isoformat())
        result.append(
            Reminder(
                user_id=person.id,
                kind="checkin",
                object_ref="checkin",
                occurrence=today.isoformat(),
                due_at=moment,
                not_after=midnight,
                payload=messages.build_payload(title, body, url_for("checkins.today"), tag),
                topic=tag,
            )
        )
    return result


def due_meeting_reminders(now: datetime) -> list[Reminder]:
    """Remind clients of the meetings they saved, the lead time they chose before each."""
    people = {p.id: p for p in subscribed_people(("client",))}
    saved = db.session.scalars(
        select(SavedMeeting)
        .join(SavedMeeting.meeting)
        .options(contains_eager(SavedMeeting.meeting))  # not one query per meeting
        .where(
            SavedMeeting.client_id.in_(list(people)),
            SavedMeeting.reminder_minutes > 0,
            Meeting.retired_at.is_(None),
        )
    )
    prefs = preferences_for(people)
    zone = clinic_zone()
    result = []
    for row in saved:
        lead = timedelta(minutes=row.reminder_minutes)
        meeting, person = row.meeting, people[row.client_id]
        for start, _end in occurrences(
            meeting.days,
            meeting.start_time,
            meeting.end_time,
            meeting.timezone,
            now,
            now + timedelta(hours=30),
        ):
            moment = waking_moment(start - lead, start, now, prefs[person.id], zone)
            if start <= now or moment is None:
                continue
            title, body = messages.meeting_text(start, person.locale)
            tag = messages.opaque_id("meeting", str(row.id), f"{start:%Y%m%dT%H%M}")
            result.append(
                Reminder(
                    user_id=person.id,
                    kind="meeting",
                    object_ref=f"saved_meeting:{row.id}",
                    occurrence=f"{start.astimezone(zone):%Y%m%dT%H%M}",
                    due_at=moment,
                    not_after=start,
                    topic=tag,
                    payload=messages.build_payload(
                        title, body, url_for("meetings.meeting", meeting_id=meeting.id), tag
                    ),
                )
            )
    return result


def due_homework_reminders(now: datetime) -> list[Reminder]:
    """Remind clients of open homework: the chosen hours before it is due, and the morning
    after it was due (9 am) when they asked for that."""
    zone = clinic_zone()
    people = {
        p.id: p for p in subscribed_people(("client",)) if stage(p, now=now).in_program
    }
    rows = db.session.scalars(
        select(HomeworkCopy)
        .join(HomeworkCopy.assignment)
        .options(contains_eager(HomeworkCopy.assignment))  # not one query per assignment
        .where(
            HomeworkCopy.client_id.in_(list(people)),
            HomeworkCopy.status == OPEN,
            HomeworkAssignment.due_at > now - timedelta(days=2),
            HomeworkAssignment.due_at < now + timedelta(days=8),
        )
    )
    prefs = preferences_for(people)
    result = []
    for copy in rows:
        person, choice, due = people[copy.client_id], prefs[copy.client_id], copy.assignment.due_at
        wanted = []
        if choice.homework_lead_hours:
            wanted.append(("homework_due", due - timedelta(hours=choice.homework_lead_hours), due))
        if choice.homework_overdue:
            morning = datetime.combine(
                due.astimezone(zone).date() + timedelta(days=1), time(9), tzinfo=zone
            )
            wanted.append(("homework_overdue", morning, morning + timedelta(hours=12)))
        for kind, due_at, not_after in wanted:
            moment = waking_moment(due_at, not_after, now, choice, zone)
            if moment is None:
                continue
            title, body = messages.homework_text(kind == "homework_overdue", person.locale)
            tag = messages.opaque_id("homework", str(copy.id), kind)
            result.append(
                Reminder(
                    user_id=person.id,
                    kind=kind,
                    object_ref=f"homework:{copy.id}",
                    occurrence=f"{due:%Y%m%dT%H%M%SZ}",
                    due_at=moment,
                    not_after=not_after,
                    topic=tag,
                    payload=messages.build_payload(
                        title, body, url_for("homework.copy", copy_id=copy.id), tag
                    ),
                )
            )
    return result


def register_feature_sources() -> None:
    register_source("homework", ("homework_due", "homework_overdue"), due_homework_reminders)
    register_source("checkins", ("checkin",), due_checkin_reminders)
    register_source("meetings", ("meeting",), due_meeting_reminders)
    register_care_team_sources()
