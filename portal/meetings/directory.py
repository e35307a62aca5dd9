"""Find meetings: filter the directory and sort it by when each meeting next happens."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..dates import format_day, hour_of
from ..extensions import db
from .models import HYBRID, IN_PERSON, ONLINE, Meeting
from .weekly import spec_day, upcoming

# Parts of the day, by the hour a meeting starts in the client's zone: [from, to) hours.
PARTS_OF_DAY = {
    "morning": ((5, 12),),
    "afternoon": ((12, 17),),
    "evening": ((17, 21),),
    "night": ((21, 24), (0, 5)),
}
MODES = {"online": (ONLINE, HYBRID), "in_person": (IN_PERSON, HYBRID)}
TEXT_COLUMNS = (Meeting.name, Meeting.location, Meeting.address, Meeting.region, Meeting.group_name)
LIMIT = 50


@dataclass
class MeetingFilters:
    """What a client is looking for; None or "" means any."""

    day: int | None = None
    part_of_day: str | None = None
    mode: str | None = None
    type_code: str | None = None
    text: str = ""


@dataclass
class Listing:
    """A meeting and its next time, in the client's zone and in the meeting's own."""

    meeting: Meeting
    start: datetime
    end: datetime

    @property
    def own_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.meeting.timezone))

    @property
    def zone_differs(self) -> bool:
        """Tell whether the meeting's own clock shows another time than the client's."""
        return self.own_start.replace(tzinfo=None) != self.start.replace(tzinfo=None)

    def when(self, now: datetime) -> str:
        return when_label(self.start, self.end, now)

    def own_time(self) -> str:
        """Say the time on the meeting's own clock, with its zone."""
        return _(
            "%(time)s where the meeting is (%(zone)s)",
            time=format_time(self.own_start, "short", rebase=False),
            zone=self.meeting.timezone.replace("_", " "),
        )


def when_label(start: datetime, end: datetime, now: datetime) -> str:
    """Say when, the way people do: "Today at 7:00 PM", "Tomorrow…", "Friday, Nov 27…"."""
    at = format_time(start, "short", rebase=False)
    days = (start.date() - now.astimezone(start.tzinfo).date()).days
    if start <= now:
        until = format_time(end, "short", rebase=False)
        return ngettext("Now, until %(time)s", "Now, until %(time)s", hour_of(until), time=until)
    hour = hour_of(at)  # the count is the hour (see dates.hour_of)
    if days == 0:
        return ngettext("Today at %(time)s", "Today at %(time)s", hour, time=at)
    if days == 1:
        return ngettext("Tomorrow at %(time)s", "Tomorrow at %(time)s", hour, time=at)
    day = format_day(start.date(), "long")
    return ngettext("%(day)s at %(time)s", "%(day)s at %(time)s", hour, day=day, time=at)


def _query(filters: MeetingFilters):
    stmt = select(
        Meeting.id, Meeting.days, Meeting.start_time, Meeting.end_time, Meeting.timezone
    ).where(Meeting.retired_at.is_(None))
    if filters.mode in MODES:
        stmt = stmt.where(Meeting.mode.in_(MODES[filters.mode]))
    if filters.type_code:
        stmt = stmt.where(Meeting.type_codes.contains(f"|{filters.type_code}|", autoescape=True))
    for word in filters.text.split()[:5]:
        stmt = stmt.where(or_(*(c.icontains(word, autoescape=True) for c in TEXT_COLUMNS)))
    return stmt


def _fits(start: datetime, filters: MeetingFilters) -> bool:
    if filters.day is not None and spec_day(start.date()) != filters.day:
        return False
    if filters.part_of_day in PARTS_OF_DAY:
        return any(low <= start.hour < high for low, high in PARTS_OF_DAY[filters.part_of_day])
    return True


def search(filters: MeetingFilters, now: datetime, zone: ZoneInfo, limit: int = LIMIT):
    """Return (listings, total): the meetings that fit, soonest first, times in `zone`."""
    found = []
    for row in db.session.execute(_query(filters)):
        for start, end in upcoming(row.days, row.start_time, row.end_time, row.timezone, now):
            start, end = start.astimezone(zone), end.astimezone(zone)
            if _fits(start, filters):
                found.append((start, row.id, end))
                break
    found.sort(key=lambda item: (item[0], item[1]))
    top = found[:limit]
    meetings = {
        m.id: m
        for m in db.session.scalars(select(Meeting).where(Meeting.id.in_([t[1] for t in top])))
    }
    return [Listing(meetings[i], start, end) for start, i, end in top], len(found)


def next_listing(meeting: Meeting, now: datetime, zone: ZoneInfo) -> Listing | None:
    """Return a meeting's next (or current) time in the client's zone."""
    for start, end in upcoming(
        meeting.days, meeting.start_time, meeting.end_time, meeting.timezone, now
    ):
        return Listing(meeting, start.astimezone(zone), end.astimezone(zone))
    return None
