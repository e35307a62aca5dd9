"""When a flagged check-in goes beyond the client's counselor: clinic hours and the escalation.

Plain functions of `now`, the clinic's hours by weekday (0 = Monday, each `(opens, closes)` in
wall-clock time, or None when closed) and the clinic's zone, so a test can ask them about any
instant. Hours are combined with the zone day by day, so 9 AM stays 9 AM across daylight saving.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# How far ahead to look for an opening: a week covers every weekly pattern that opens at all.
LOOKAHEAD_DAYS = 8


def _open_interval(day: date, hours: dict, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """Return the day's opening and closing instants, or None when closed that day."""
    span = hours.get(day.weekday())
    if span is None:
        return None
    opens, closes = span
    return datetime.combine(day, opens, tzinfo=zone), datetime.combine(day, closes, tzinfo=zone)


def _intervals_from(now: datetime, hours: dict, zone: ZoneInfo):
    """Yield the open intervals that end after `now`, the one we are in (cut at now) first."""
    today = now.astimezone(zone).date()
    for offset in range(LOOKAHEAD_DAYS):
        interval = _open_interval(today + timedelta(days=offset), hours, zone)
        if interval is None or interval[1] <= now:
            continue
        yield max(interval[0], now), interval[1]


def is_open(now: datetime, hours: dict, zone: ZoneInfo) -> bool:
    """Tell whether the clinic is open at this instant."""
    interval = _open_interval(now.astimezone(zone).date(), hours, zone)
    return interval is not None and interval[0] <= now < interval[1]


def next_opening(now: datetime, hours: dict, zone: ZoneInfo) -> datetime | None:
    """Return the next moment the clinic opens after `now` (None if it never opens)."""
    for start, _end in _intervals_from(now, hours, zone):
        if start > now:
            return start
    return None


def escalation_at(flagged_at: datetime, minutes: int, hours: dict, zone: ZoneInfo):
    """Return when an unreviewed flag goes to everyone on duty: after `minutes` of clinic time.

    A flag raised at 4:55 PM on a day that closes at 5 PM has used 5 of its 15 minutes; the rest
    run from the next opening. A flag raised at night waits for the morning (the counselor's own
    push went at once either way). None when the clinic never opens.
    """
    left = timedelta(minutes=minutes)
    for start, end in _intervals_from(flagged_at, hours, zone):
        if end - start >= left:
            return start + left
        left -= end - start
    return None


def waited_past(flagged_at, reviewed_at, now, minutes: int, hours: dict, zone) -> bool:
    """Tell whether a flag was (or still is) unreviewed past its escalation time."""
    due = escalation_at(flagged_at, minutes, hours, zone)
    return due is not None and (reviewed_at or now) > due
