"""VTIMEZONE components the way calendar programs write them: one STANDARD and one DAYLIGHT
observance, each with a yearly RRULE ("second Sunday of March at 2:00").

icalendar 7 can only list every change date as one long RDATE, and ical.js (used by many web
and Nextcloud calendars) reads only the first value of an RDATE, so every event after the next
daylight-saving change came out an hour off. The changes themselves come from zoneinfo; icalendar
builds and serializes the components.
"""

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _changes(zone: ZoneInfo, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """Return each (instant in UTC, the moment before it) the zone's offset or name changes."""
    found = []
    day = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(last, datetime.min.time(), tzinfo=UTC)

    def state(t):
        local = t.astimezone(zone)
        return local.utcoffset(), local.tzname()

    while day < end:
        after = day + timedelta(days=7)
        if state(day) != state(after):
            low, high = 0, 7 * 24 * 60  # minutes after `day`; zones change on the minute
            while high - low > 1:
                middle = (low + high) // 2
                if state(day + timedelta(minutes=middle)) == state(day):
                    low = middle
                else:
                    high = middle
            found.append((day + timedelta(minutes=high), day + timedelta(minutes=low)))
        day = after
    return found


def _rule(onsets: list[datetime]) -> dict | None:
    """Return a yearly RRULE that yields exactly these local onsets, or None when none does."""
    first = onsets[0]
    if any(o.year != first.year + i for i, o in enumerate(onsets)):
        return None
    same = {(o.month, o.weekday(), o.time()) for o in onsets}
    if len(same) != 1:
        return None
    nths = {(o.day - 1) // 7 + 1 for o in onsets}
    lasts = {o.day + 7 > calendar.monthrange(o.year, o.month)[1] for o in onsets}
    if len(nths) == 1 and nths != {5}:
        nth = nths.pop()
    elif lasts == {True}:
        nth = -1
    else:
        return None
    return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"{nth}{WEEKDAYS[first.weekday()]}"}


def vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """Return the VTIMEZONE of a zone for events between two dates, with a year to spare."""
    return _vtimezone(tzid, first.year - 1, last.year + 1)


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    zone = ZoneInfo(tzid)
    first, last = date(first_year, 1, 1), date(last_year + 1, 1, 1)
    groups: dict[tuple, list[datetime]] = {}
    for instant, before in _changes(zone, first, last):
        now, then = instant.astimezone(zone), before.astimezone(zone)
        key = (bool(now.dst()), then.utcoffset(), now.utcoffset(), now.tzname())
        # DTSTART of an observance is its onset in the local time in force before it.
        groups.setdefault(key, []).append((instant + then.utcoffset()).replace(tzinfo=None))
    tz = Timezone()
    tz.add("tzid", tzid)
    if not groups:  # no change in these years: one observance from the start
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        groups[(bool(start.dst()), start.utcoffset(), start.utcoffset(), start.tzname())] = [
            start.replace(tzinfo=None)
        ]
    for (is_dst, offset_from, offset_to, name), onsets in groups.items():
        part = TimezoneDaylight() if is_dst else TimezoneStandard()
        part.add("dtstart", onsets[0])
        rule = _rule(onsets) if len(onsets) > 1 else None
        if rule:
            part.add("rrule", rule)
        else:  # irregular changes: one RDATE line each, which every reader understands
            for onset in onsets[1:]:
                part.add("rdate", onset)
        part.add("tzname", name)
        part.add("tzoffsetfrom", offset_from)
        part.add("tzoffsetto", offset_to)
        tz.add_component(part)
    return tz
