"""Which reminders are due: a registry of sources, the session source, and the rules they share.

A source is a function `due(now) -> list[Reminder]` that returns every reminder of its kinds that
is still useful (its `not_after` is ahead), whether it is due already or later: the dispatcher
sends the due ones and uses the rest to move or withdraw rows already in the outbox, so a moved
or cancelled session changes what was queued. A source is authoritative for its kinds: a pending
row of those kinds that the source no longer returns is withdrawn.

Plug points, filled in when the features arrive (each a `register_source(...)` call from that
feature's blueprint `record_once`, or a line in `default_sources()`):

- the daily check-in — kind "checkin": one Reminder per client at their `checkin_time` (see
  `preferences_for`), skipped when they already checked in today; `messages.checkin_text`.
- homework — kinds "homework_due" (`homework_lead_hours` before it is due) and
  "homework_overdue" (the morning after, when `homework_overdue`); `messages.homework_text`.
- meetings — kind "meeting": the lead time the client chose when saving each meeting
  (`SavedMeeting.reminder_minutes`); `messages.meeting_text`.
- "a check-in needs your review" — kind "checkin_review", to the counselor of a client whose
  check-in was flagged, object_ref "checkin:<id>"; kind "checkin_escalation" to everyone on duty
  when a self-harm flag waits too long; `messages.review_text` (care_sources.py).

Every source should pass its moments through `waking_moment` (quiet hours) and build its payload
with `messages.build_payload`, its tag and Topic with `messages.opaque_id`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import url_for
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..schedule.visibility import visible_occurrences_for
from ..timeutil import clinic_zone
from . import messages
from .models import NotificationPreferences, PushSubscription

log = logging.getLogger("portal.notifications")

EVENING_AT = time(19)
# How far ahead the session source looks: the evening-before reminder of a session late
# tomorrow is due up to ~29 hours before it; moved sessions are followed within this window.
HORIZON = timedelta(hours=36)


@dataclass(frozen=True)
class Reminder:
    """One reminder for one person; the dispatcher writes it once per device of theirs."""

    user_id: int
    kind: str
    object_ref: str  # e.g. "series:12"
    occurrence: str  # e.g. "20261123T230000Z.2" (which one, and which version of it)
    due_at: datetime  # when to send (already out of quiet hours)
    not_after: datetime  # when it stops being useful: never sent at or after this
    payload: str  # JSON for the service worker: title, body, url, tag
    topic: str  # opaque, at most 32 base64url characters
    urgency: str = "normal"

    @property
    def key(self) -> tuple:
        return (self.user_id, self.kind, self.object_ref, self.occurrence)


@dataclass(frozen=True)
class ReminderSource:
    name: str
    kinds: tuple[str, ...]
    due: Callable[[datetime], list[Reminder]]


_SOURCES: list[ReminderSource] = []


def register_source(name: str, kinds: tuple[str, ...], due: Callable) -> None:
    """Add a source of reminders (once per name); the dispatcher asks every source each pass."""
    if all(s.name != name for s in _SOURCES):
        _SOURCES.append(ReminderSource(name, tuple(kinds), due))


def sources() -> list[ReminderSource]:
    """Return every registered source."""
    return list(_SOURCES)


def default_preferences(user_id: int) -> NotificationPreferences:
    """Return the issue's defaults for someone who has not chosen (not stored)."""
    return NotificationPreferences(
        user_id=user_id,
        session_lead_minutes=60,
        session_evening_before=True,
        homework_lead_hours=24,
        homework_overdue=True,
        checkin_time=time(20),
        quiet_start=time(22),
        quiet_end=time(7),
        detailed_text=False,
        flag_alerts=True,
        notice_alerts=True,
        handed_in_alerts=False,
    )


def preferences_for(user_ids) -> dict[int, NotificationPreferences]:
    """Return each person's preferences, the defaults for those who have none stored."""
    ids = list(user_ids)
    stored = {
        p.user_id: p
        for p in db.session.scalars(
            select(NotificationPreferences).where(NotificationPreferences.user_id.in_(ids))
        )
    }
    return {i: stored.get(i) or default_preferences(i) for i in ids}


def in_quiet_hours(moment: datetime, prefs, zone) -> bool:
    """Tell whether a moment falls in the person's quiet hours (which may cross midnight)."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(zone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _end_of_quiet(moment: datetime, prefs, zone) -> datetime:
    local = moment.astimezone(zone)
    end = datetime.combine(local.date(), prefs.quiet_end, tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)
    return end


def waking_moment(due_at: datetime, not_after: datetime, now: datetime, prefs, zone):
    """Move a reminder out of quiet hours; None when that would be too late to be useful.

    A reminder already overdue (a session added late, a device turned on late) goes now, unless
    now is quiet, in which case it waits for the morning like any other.
    """
    moment = due_at
    if in_quiet_hours(moment, prefs, zone):
        moment = _end_of_quiet(moment, prefs, zone)
    if moment < now and in_quiet_hours(now, prefs, zone):
        moment = _end_of_quiet(now, prefs, zone)
    return moment if moment < not_after else None


def subscribed_people(roles: tuple[str, ...]) -> list[User]:
    """Return the active people of these roles who have at least one device turned on."""
    has_device = select(PushSubscription.user_id).distinct()
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(has_device), User.role.in_(roles), User.active)
        )
    )


def _session_url(person, occurrence) -> str:
    if person.is_family:
        return url_for("family.home")
    return url_for("schedule.occurrence", series_id=occurrence.series.id, key=occurrence.key)


def session_reminders(person, prefs, occurrence, now: datetime, zone) -> list[Reminder]:
    """Return the reminders for one session: some minutes before, and the evening before."""
    if occurrence.cancelled or occurrence.start <= now:
        return []
    notice = occurrence.notice
    if notice is not None and notice.in_force and notice.kind == "cant_make_it":
        return []  # they told us they are not coming; a reminder would only nag
    start = occurrence.start
    tag = messages.opaque_id("series", str(occurrence.series.id), occurrence.key)
    url = _session_url(person, occurrence)
    wanted = []
    if prefs.session_lead_minutes:
        wanted.append(
            ("session_lead", start - timedelta(minutes=prefs.session_lead_minutes), start, "high")
        )
    if prefs.session_evening_before:
        day = start.astimezone(zone).date()
        evening = datetime.combine(day - timedelta(days=1), EVENING_AT, tzinfo=zone)
        # "Tomorrow" is wrong after midnight, so the evening reminder ends then.
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        wanted.append(("session_evening", evening, min(start, midnight), "normal"))
    result = []
    for kind, due_at, not_after, urgency in wanted:
        moment = waking_moment(due_at, not_after, now, prefs, zone)
        if moment is None:
            continue
        title, body = messages.session_text(
            occurrence, kind == "session_evening", prefs.detailed_text, person.locale
        )
        result.append(
            Reminder(
                user_id=person.id,
                kind=kind,
                object_ref=f"series:{occurrence.series.id}",
                occurrence=f"{occurrence.key}.{occurrence.sequence}",
                due_at=moment,
                not_after=not_after,
                payload=messages.build_payload(title, body, url, tag),
                topic=tag,
                urgency=urgency,
            )
        )
    return result


def due_session_reminders(now: datetime) -> list[Reminder]:
    """Return every session reminder still useful, for everyone with a device turned on.

    Family members get reminders only of what `visible_occurrences_for` shows them as of `now`:
    family sessions inside a consent valid at `now`. Sending one is logged as a disclosure by
    the dispatcher, once it has gone.
    """
    zone = clinic_zone()
    people = subscribed_people(("client", "family"))
    prefs = preferences_for(p.id for p in people)
    # Everyone at once: a fixed number of queries however many people have a device.
    visible = visible_occurrences_for(people, now, now + HORIZON, now, zone)
    result = []
    for person in people:
        for occurrence in visible[person.id]:
            result.extend(session_reminders(person, prefs[person.id], occurrence, now, zone))
    return result


def test_reminder(person, now: datetime) -> Reminder:
    """Return a one-off test notification for a person's devices, useful for ten minutes."""
    title, body = messages.test_text(person.locale)
    stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
    tag = messages.opaque_id("test", str(person.id))
    return Reminder(
        user_id=person.id,
        kind="test",
        object_ref="test",
        occurrence=stamp,
        due_at=now,
        not_after=now + timedelta(minutes=10),
        payload=messages.build_payload(title, body, url_for("accounts.settings"), tag),
        topic=tag,
        urgency="high",
    )


def default_sources() -> None:
    """Register the sources that exist in this build; other features add theirs on merge."""
    register_source("sessions", ("session_lead", "session_evening"), due_session_reminders)
