"""Weekly meetings in time: days numbered as the feeds do (0 is Sunday), wall-clock times in a zone.

A 7 pm meeting stays 7 pm local across daylight-saving changes because every occurrence is
built from its date, its local time and its zone (zoneinfo), never by adding weeks to an instant.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def spec_day(d: date) -> int:
    """Return the feed's day number of a date: 0 for Sunday through 6 for Saturday."""
    return (d.weekday() + 1) % 7


def minutes_between(start: time, end: time) -> int:
    """Return a meeting's length in minutes; an end before the start runs past midnight."""
    minutes = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % (24 * 60)
    return minutes or 60


def local(d: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the aware datetime of a wall-clock time on a date; a time skipped by a
    daylight-saving jump moves forward, as clocks do."""
    naive = datetime.combine(d, at, tzinfo=zone)
    return naive.astimezone(UTC).astimezone(zone)


def occurrences(
    days: str, start_time: time, end_time: time, zone_name: str, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield each (start, end) of a weekly meeting that overlaps [start, end), in its own zone."""
    zone = ZoneInfo(zone_name)
    length = timedelta(minutes=minutes_between(start_time, end_time))
    # Start a day early: a late meeting that began yesterday may still be running.
    d = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while d <= last:
        if str(spec_day(d)) in days:
            begins = local(d, start_time, zone)
            ends = begins + length
            if ends > start and begins < end:
                yield begins, ends
        d += timedelta(days=1)


def upcoming(
    days: str, start_time: time, end_time: time, zone_name: str, now: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the occurrences of the coming week, the one in progress (if any) first."""
    return occurrences(days, start_time, end_time, zone_name, now, now + timedelta(days=7))
