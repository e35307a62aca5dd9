"""Which saved meetings are due a reminder now; the notifications feature sends them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_time, gettext
from sqlalchemy import select

from ..extensions import db
from ..timeutil import zone_for
from .models import Meeting, SavedMeeting
from .weekly import occurrences


@dataclass(frozen=True)
class MeetingReminder:
    """A reminder to send: who, for which saved meeting and occurrence, and what it says."""

    client_id: int
    saved_meeting_id: int
    start: datetime
    text: str

    @property
    def key(self) -> str:
        """A unique key for the outbox, so each reminder is sent once."""
        return f"meeting-reminder-{self.saved_meeting_id}-{self.start:%Y%m%dT%H%M%z}"


def due_meeting_reminders(now: datetime) -> list[MeetingReminder]:
    """Return the reminders whose time has come: lead time reached, meeting not yet begun.

    The text is neutral on purpose (it may show on a lock screen): no meeting name, no type.
    """
    rows = db.session.scalars(
        select(SavedMeeting)
        .join(SavedMeeting.meeting)
        .where(SavedMeeting.reminder_minutes > 0, Meeting.retired_at.is_(None))
    )
    due = []
    for saved in rows:
        m, lead = saved.meeting, timedelta(minutes=saved.reminder_minutes)
        # Occurrences starting in (now, now + lead]: the reminder is due and not too late.
        window_end = now + lead + timedelta(seconds=1)
        for start, _end in occurrences(
            m.days, m.start_time, m.end_time, m.timezone, now, window_end
        ):
            if now < start <= now + lead:
                due.append(_reminder(saved, start))
    return due


def _reminder(saved: SavedMeeting, start: datetime) -> MeetingReminder:
    client = saved.client
    local = start.astimezone(zone_for(client))
    with force_locale(client.locale or current_app.config["LANGUAGES"][0]):
        text = gettext(
            "Reminder: meeting at %(time)s", time=format_time(local, "short", rebase=False)
        )
    return MeetingReminder(client.id, saved.id, start, text)
