"""A client's meetings as calendar occurrences, for the schedule's calendar and .ics feed.

The schedule feature merges these with its sessions. Titles are the meetings' names as the
feeds give them; a neutral summary for lock screens and calendar apps is the feed's job.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import url_for

from .mine import personal_meetings, saved_meetings
from .weekly import occurrences


@dataclass(frozen=True)
class MeetingOccurrence:
    """One time a client's meeting happens."""

    key: str  # stable across calls: "meeting-<id>-<YYYYMMDD>" or "personal-meeting-<id>-…"
    title: str
    start: datetime
    end: datetime
    place: str
    url: str
    detail_url: str
    changed_at: datetime  # when the meeting last changed, for a calendar's DTSTAMP


def meeting_occurrences(client, start: datetime, end: datetime) -> list[MeetingOccurrence]:
    """Return the occurrences of the client's saved and own meetings in [start, end), by time.

    Saved meetings the feed no longer lists are left out: nobody knows they still happen.
    """
    found = []
    for saved in saved_meetings(client):
        m = saved.meeting
        if m.retired:
            continue
        detail = url_for("meetings.meeting", meeting_id=m.id)
        # An online meeting's address is only an area, and a web page is not a call.
        place = m.address if m.meets_in_person else ""
        link = m.conference_url if m.video_provider else ""
        for begins, ends in occurrences(m.days, m.start_time, m.end_time, m.timezone, start, end):
            key = f"meeting-{m.id}-{begins:%Y%m%d}"
            found.append(
                MeetingOccurrence(key, m.name, begins, ends, place, link, detail, m.imported_at)
            )
    for p in personal_meetings(client):
        detail = url_for("meetings.mine", _anchor=f"personal-{p.id}")
        for begins, ends in occurrences(p.days, p.start_time, p.end_time, p.timezone, start, end):
            key = f"personal-meeting-{p.id}-{begins:%Y%m%d}"
            found.append(
                MeetingOccurrence(key, p.name, begins, ends, p.place, p.link, detail, p.created_at)
            )
    found.sort(key=lambda o: (o.start, o.key))
    return found
