"""The reminder sources of the other features: the daily check-in, saved meetings, and the
counselor's "a check-in needs review". Each returns every reminder still useful (see
reminders.py); the dispatcher sends the due ones and withdraws what a source stops returning."""

from datetime import datetime, time, timedelta

from flask import current_app, url_for
from sqlalchemy import select

from ..accounts.models import User
from ..checkins.escalation import escalation_at
from ..checkins.models import CheckIn
from ..extensions import db
from ..homework.models import OPEN, HomeworkAssignment, HomeworkCopy
from ..meetings.models import Meeting, SavedMeeting
from ..meetings.weekly import occurrences
from ..timeutil import clinic_zone
from . import messages
from .reminders import Reminder, preferences_for, register_source, subscribed_people, waking_moment

REVIEW_USEFUL_FOR = timedelta(days=3)


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


def _review_reminder(person, checkin: CheckIn, kind: str, due_at: datetime) -> Reminder:
    title, body = messages.review_text(person.locale)
    tag = messages.opaque_id(kind, str(checkin.id))
    return Reminder(
        user_id=person.id,
        kind=kind,
        object_ref=f"checkin:{checkin.id}",
        occurrence="1",
        due_at=due_at,
        not_after=checkin.flagged_at + REVIEW_USEFUL_FOR,
        topic=tag,
        urgency="high",
        payload=messages.build_payload(
            title, body, url_for("checkins.care_client", client_id=checkin.client_id), tag
        ),
    )


def _open_flags(now: datetime, *conditions):
    return db.session.execute(
        select(CheckIn, User.counselor_id)
        .join(User, User.id == CheckIn.client_id)
        .where(
            CheckIn.flagged_at.is_not(None),
            CheckIn.reviewed_at.is_(None),
            CheckIn.flagged_at > now - REVIEW_USEFUL_FOR,
            *conditions,
        )
    ).all()


def due_review_reminders(now: datetime) -> list[Reminder]:
    """Tell a flagged client's counselor at once, neutrally, that a check-in needs review; a
    client with no counselor (or one who left) is everyone's, so the whole team hears."""
    staff = {p.id: p for p in subscribed_people(("staff",))}
    active = set(db.session.scalars(select(User.id).where(User.role == "staff", User.active)))
    result = []
    for checkin, counselor_id in _open_flags(now):
        if counselor_id in active:
            recipients = [staff[counselor_id]] if counselor_id in staff else []
        else:
            recipients = list(staff.values())
        for person in recipients:
            result.append(_review_reminder(person, checkin, "checkin_review", checkin.flagged_at))
    return result


def due_escalation_reminders(now: datetime) -> list[Reminder]:
    """Tell every care-team member on duty about a self-harm flag nobody reviewed in time.

    The time is FLAG_ESCALATE_MINUTES of clinic hours after the flag (checkins/escalation.py),
    so it always falls while the clinic is open: everyone active on the team is on duty then.
    Once the flag is reviewed this source stops returning it and the dispatcher withdraws what
    was still queued.
    """
    config, zone = current_app.config, clinic_zone()
    staff = subscribed_people(("staff",))
    result = []
    for checkin, _counselor_id in _open_flags(now, CheckIn.self_harm):
        due = escalation_at(
            checkin.flagged_at, config["FLAG_ESCALATE_MINUTES"], config["CLINIC_HOURS"], zone
        )
        if due is None:
            continue
        result.extend(_review_reminder(p, checkin, "checkin_escalation", due) for p in staff)
    return result


def due_homework_reminders(now: datetime) -> list[Reminder]:
    """Remind clients of open homework: the chosen hours before it is due, and the morning
    after it was due (9 am) when they asked for that."""
    zone = clinic_zone()
    people = {p.id: p for p in subscribed_people(("client",))}
    rows = db.session.scalars(
        select(HomeworkCopy)
        .join(HomeworkAssignment)
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
    register_source("reviews", ("checkin_review",), due_review_reminders)
    register_source("escalations", ("checkin_escalation",), due_escalation_reminders)
