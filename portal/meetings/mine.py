"""A client's own meetings: the ones saved from the directory and the ones in no feed."""

from datetime import time

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..client_cache import cached
from ..extensions import db
from ..timeutil import zone_for
from .attendance import today_for, week_progress
from .models import Meeting, PersonalMeeting, SavedMeeting

# How long before a saved meeting the client may ask to be reminded, in minutes (0: never).
REMINDER_MINUTES = [0, 15, 30, 60, 120]


def saved_meetings(client) -> list[SavedMeeting]:
    """Return the meetings a client saved, still-listed ones first, by name."""
    return list(
        db.session.scalars(
            select(SavedMeeting)
            .join(SavedMeeting.meeting)
            .options(contains_eager(SavedMeeting.meeting))  # one query, not one per meeting
            .where(SavedMeeting.client_id == client.id)
            .order_by(Meeting.retired_at.is_not(None), Meeting.name, SavedMeeting.id)
        )
    )


def saved_for(client, meeting: Meeting) -> SavedMeeting | None:
    """Return the client's saved entry for a meeting, if they saved it."""
    return db.session.scalar(
        select(SavedMeeting).where(
            SavedMeeting.client_id == client.id, SavedMeeting.meeting_id == meeting.id
        )
    )


def save_meeting(client, meeting: Meeting, reminder_minutes: int) -> SavedMeeting:
    """Save a meeting to "My meetings", or change its reminder if it is already there."""
    saved = saved_for(client, meeting)
    if saved is None:
        saved = SavedMeeting(client_id=client.id, meeting_id=meeting.id)
        db.session.add(saved)
    saved.reminder_minutes = reminder_minutes
    db.session.commit()
    return saved


def unsave_meeting(client, meeting: Meeting) -> None:
    """Take a meeting off "My meetings"; attendance already logged stays."""
    saved = saved_for(client, meeting)
    if saved is not None:
        db.session.delete(saved)
        db.session.commit()


def personal_meetings(client) -> list[PersonalMeeting]:
    """Return the client's own meetings in week order."""
    return list(
        db.session.scalars(
            select(PersonalMeeting)
            .where(PersonalMeeting.client_id == client.id)
            .order_by(PersonalMeeting.day, PersonalMeeting.start_time, PersonalMeeting.id)
        )
    )


def add_personal_meeting(
    client, name: str, day: int, start: time, end: time, place: str = "", link: str = ""
) -> PersonalMeeting:
    """Add a weekly meeting that is in no feed, kept in the client's zone."""
    meeting = PersonalMeeting(
        client_id=client.id,
        name=name,
        day=day,
        start_time=start,
        end_time=end,
        timezone=zone_for(client).key,
        place=place,
        link=link,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _own_choices(client) -> tuple[tuple[str, str], ...]:
    saved = [(f"meeting-{s.meeting_id}", s.meeting.name) for s in saved_meetings(client)]
    return (*saved, *((f"personal-{p.id}", p.name) for p in personal_meetings(client)))


def which_choices(client, own=None) -> list[tuple[str, str]]:
    """List the meetings a client can say they went to: saved, their own, or another."""
    own = _own_choices(client) if own is None else own
    return [*own, ("other", _("Another meeting (type its name)"))]


def today_section(client, now) -> dict:
    """Give Today's meetings section what it shows: the week's progress and the "I went" form."""
    today = today_for(client, now)
    progress, own = cached(
        client,
        "meetings_today",
        today,
        lambda: (week_progress(client, today), _own_choices(client)),
    )
    return {"progress": progress, "choices": which_choices(client, own), "today": today}
