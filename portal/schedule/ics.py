"""The personal calendar feed (RFC 5545), neutral by default: "Appointment" and the place."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Event

from .occurrences import Occurrence
from .vtimezone import vtimezone

PAST_DAYS = 30
FUTURE_DAYS = 180


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """Return the span a feed covers: a month back (for attendance) and six months ahead."""
    return now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)


def event_title(occurrence: Occurrence, full_titles: bool) -> str:
    """Return what a phone's calendar shows: nothing about treatment unless the person chose it."""
    if not full_titles:
        return _("Appointment")
    return occurrence.series.title or occurrence.kind_label


def event_location(occurrence: Occurrence) -> str:
    series = occurrence.series
    parts = [p for p in (series.place, series.room) if p]
    if not parts and series.telehealth_url:
        parts = [_("Video call")]
    return ", ".join(parts)


def build_feed(
    occurrences: list[Occurrence],
    host: str,
    full_titles: bool,
    now: datetime,
    extra_events=(),
    description: str = "",
) -> bytes:
    """Return the iCalendar text of a person's occurrences; UIDs stay the same per occurrence.

    `description` is the calendar's own description: for a family member, the notice that
    must accompany a disclosure (42 CFR 2.32)."""
    cal = Calendar()
    cal.add("prodid", "-//Portal//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("name", _("My appointments"))  # RFC 7986; X-WR-CALNAME for older apps
    cal.add("x-wr-calname", _("My appointments"))
    if description:
        cal.add("x-wr-caldesc", description)
    # How often to fetch again: RFC 7986, and the name Apple and Outlook read.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for o in occurrences:
        event = Event()
        event.add("uid", f"{o.series.id}-{o.key}@{host}")
        event.add("summary", event_title(o, full_titles))
        # In the series' own zone, so a phone elsewhere still keeps it at its wall-clock time.
        zone = ZoneInfo(o.series.timezone)
        event.add("dtstart", o.start.astimezone(zone))
        event.add("dtend", o.end.astimezone(zone))
        # DTSTAMP changes only when the event does, or every fetch would look like an update.
        event.add("dtstamp", o.changed_at or o.series.created_at)
        event.add("sequence", o.sequence)
        location = event_location(o)
        if location:
            event.add("location", location)
        if o.series.telehealth_url:
            event.add("url", o.series.telehealth_url)
        if o.cancelled:
            event.add("status", "CANCELLED")
        cal.add_component(event)
    for m in extra_events:  # a client's peer-support meetings
        event = Event()
        event.add("uid", f"{m.key}@{host}")
        event.add("summary", m.title if full_titles else _("Appointment"))
        event.add("dtstart", m.start)  # in the meeting's own zone
        event.add("dtend", m.end)
        event.add("dtstamp", m.changed_at)
        location = m.place or (_("Video call") if m.url else "")
        if location:
            event.add("location", location)
        if m.url:
            event.add("url", m.url)
        cal.add_component(event)
    add_timezones(cal, now)
    return cal.to_ical()


def add_timezones(cal: Calendar, now: datetime) -> None:
    """Add an RRULE-based VTIMEZONE for every zone the events use (see vtimezone.py)."""
    first, last = feed_window(now)
    for tzid in sorted(cal.get_used_tzids()):
        cal.add_component(vtimezone(tzid, first.date(), last.date()))
