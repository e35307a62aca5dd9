"""Arranging a person's occurrences into the views they read: today, agenda, week, month."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _

from ..client_cache import cached
from ..extensions import db
from ..meetings.calendar import meeting_occurrences
from ..weeks import week_start
from .occurrences import Occurrence
from .visibility import visible_occurrences

LOOKAHEAD_DAYS = 14
# How far the week and month views go either way: enough to look back and plan ahead; past it
# nothing is scheduled, and a year like 9999 overflows date arithmetic.
BROWSE_YEARS = 5


@dataclass
class Day:
    date: date
    occurrences: list[Occurrence] = field(default_factory=list)
    in_month: bool = True


def _midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _by_day(occurrences: list, first: date, days: int, zone) -> list[Day]:
    result = [Day(first + timedelta(days=i)) for i in range(days)]
    for o in occurrences:
        index = (o.start.astimezone(zone).date() - first).days
        if 0 <= index < days:
            result[index].occurrences.append(o)
    return result


def how_soon(start: datetime, now: datetime) -> str:
    """Say how soon a session starts in everyday words: "in 40 minutes", "Tomorrow", "In 3 days"."""
    if start <= now:
        return _("Happening now")
    days = (start.date() - now.date()).days
    if days == 0:
        return _(
            "Today, %(when)s",
            when=format_timedelta(
                start - now, granularity="minute", threshold=1.5, add_direction=True
            ),
        )
    if days == 1:
        return _("Tomorrow")
    return ngettext("In %(num)d day", "In %(num)d days", days)


def todays_window(person, now: datetime, zone) -> tuple[Occurrence, ...]:
    """Return a person's sessions from this morning to the end of the lookahead.

    Kept in the page cache for the clinic day (Today is the page most opened, and the service
    worker fetches it again for offline use): ORM rows leave the request's session, so no later
    commit expires them, and only their loaded columns are read."""
    today = now.astimezone(zone).date()
    start = _midnight(today, zone)

    def compute():
        end = start + timedelta(days=LOOKAHEAD_DAYS)
        return tuple(visible_occurrences(person, start, end, now, zone))

    return cached(person, "todays_window", (today, str(zone)), compute, keep=_detach)


def _detach(items) -> None:
    """Take the rows behind kept occurrences out of the request's session."""
    sessions = [o for o in items if isinstance(o, Occurrence)]  # meetings are plain already
    rows = {r for o in sessions for r in (o.series, o.attendance, o.notice) if r is not None}
    rows |= {vars(o.series)["facilitator"] for o in sessions if vars(o.series).get("facilitator")}
    for row in rows:
        if row in db.session:
            db.session.expunge(row)


def today_view(person, now: datetime, zone) -> dict:
    """Return the next session, the rest of today and tomorrow, from one expansion."""
    today = now.astimezone(zone).date()
    items = [o for o in todays_window(person, now, zone) if o.end > now]
    upcoming = [o for o in items if not o.cancelled]
    nxt = upcoming[0] if upcoming else None
    tomorrow = today + timedelta(days=1)
    return {
        "next": nxt,
        "later_today": [o for o in items if o is not nxt and o.start.date() == today],
        "tomorrow": [o for o in items if o is not nxt and o.start.date() == tomorrow],
    }


def calendar_day(text: str | None, today: date) -> date | None:
    """Read the calendar's ?date= (YYYY-MM-DD): today when absent or unreadable, None (404)
    when it is more than BROWSE_YEARS away."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return today
    if abs(day.year - today.year) > BROWSE_YEARS:
        return None
    return day


def calendar_items(person, start: datetime, end: datetime, now: datetime, zone) -> list:
    """Return a person's sessions and, for a client, their peer-support meetings, by time.

    A client's are kept in the page cache for the window last asked for (the calendar is the
    second page most opened, and the service worker keeps a copy of it offline)."""

    def compute():
        items = visible_occurrences(person, start, end, now, zone)
        if person.is_client:
            items += meeting_occurrences(person, start, end)
        return tuple(sorted(items, key=lambda o: o.start))

    if not person.is_client:
        return list(compute())
    return list(cached(person, "calendar", (start, end, str(zone)), compute, keep=_detach))


def agenda(person, now: datetime, zone, weeks: int = 4) -> list[Day]:
    """Return the coming weeks, day by day, leaving out empty days."""
    today = now.astimezone(zone).date()
    end = _midnight(today + timedelta(weeks=weeks), zone)
    items = calendar_items(person, _midnight(today, zone), end, now, zone)
    return [d for d in _by_day(items, today, weeks * 7, zone) if d.occurrences]


def week(person, day: date, now: datetime, zone) -> list[Day]:
    """Return the clinic week (portal/weeks.py) holding a day, day by day."""
    first = week_start(day)
    end = _midnight(first + timedelta(days=7), zone)
    items = calendar_items(person, _midnight(first, zone), end, now, zone)
    return _by_day(items, first, 7, zone)


def month(person, day: date, now: datetime, zone) -> list[list[Day]]:
    """Return the clinic weeks that cover the month of a day."""
    first_of_month = day.replace(day=1)
    first = week_start(first_of_month)
    next_month = (first_of_month + timedelta(days=32)).replace(day=1)
    days = ((week_start(next_month - timedelta(days=1)) + timedelta(days=7)) - first).days
    end = _midnight(first + timedelta(days=days), zone)
    items = calendar_items(person, _midnight(first, zone), end, now, zone)
    grid = _by_day(items, first, days, zone)
    for d in grid:
        d.in_month = d.date.month == first_of_month.month
    return [grid[i : i + 7] for i in range(0, days, 7)]
