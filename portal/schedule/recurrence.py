"""Recurrence by RFC 5545 with python-dateutil: wall-clock times in a zone, so 6 pm stays 6 pm."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, WEEKLY, rrule

WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)


def weekly_rule(
    dtstart: datetime,
    weekdays: list[int] | None = None,
    interval: int = 1,
    until: datetime | None = None,
    count: int | None = None,
    wkst: int = 0,
) -> rrule:
    """Return a FREQ=WEEKLY rule; UNTIL is inclusive and never combined with COUNT (RFC 5545)."""
    if until is not None and count is not None:
        raise ValueError("UNTIL and COUNT must not both be given")
    byweekday = [WEEKDAYS[d] for d in weekdays] if weekdays else None
    return rrule(
        WEEKLY,
        dtstart=dtstart,
        interval=interval,
        until=until,
        count=count,
        byweekday=byweekday,
        wkst=WEEKDAYS[wkst],
    )


def series_dtstart(series) -> datetime:
    """Return a series' first start as an aware local datetime in its own zone."""
    return datetime.combine(series.start_date, series.start_time, tzinfo=ZoneInfo(series.timezone))


def series_rule(series) -> rrule:
    """Return a series' rule: one date for a one-off, else weekly on its days until its end."""
    dtstart = series_dtstart(series)
    if not series.is_recurring:
        return weekly_rule(dtstart, count=1)
    until = None
    if series.until_date is not None:
        # The last day is inclusive: anything starting on that local day still happens.
        until = datetime.combine(series.until_date, time(23, 59, 59), tzinfo=dtstart.tzinfo)
    return weekly_rule(dtstart, series.weekday_numbers, series.interval_weeks or 1, until=until)


def series_rule_near(series, moment: datetime) -> rrule:
    """Return a series' rule with its start moved forward, whole intervals at a time, to a week
    or so before a moment: the same occurrences from there on, without walking from year one."""
    rule = series_rule(series)
    if not series.is_recurring:
        return rule
    step = 7 * (series.interval_weeks or 1)
    lead_days = (moment.astimezone(ZoneInfo(series.timezone)).date() - series.start_date).days - 8
    if lead_days < step:
        return rule
    shifted = series.start_date + timedelta(days=(lead_days // step) * step)
    dtstart = datetime.combine(shifted, series.start_time, tzinfo=ZoneInfo(series.timezone))
    return rule.replace(dtstart=dtstart)


def natural_starts(series, start: datetime, end: datetime) -> list[datetime]:
    """Return the scheduled starts of a series whose session overlaps [start, end)."""
    duration = timedelta(minutes=series.duration_minutes)
    starts = series_rule_near(series, start - duration).between(start - duration, end, inc=True)
    return [s for s in starts if s < end and s + duration > start]


def is_natural_start(series, moment: datetime) -> bool:
    """Tell whether a series is scheduled to start at exactly this moment.

    Compared as instants: a start at a wall-clock time the spring change skips (02:30 in New
    York) is listed at the instant 02:30 names, which reads back as 03:30; comparing wall
    clocks would lose it. The window is a day wide so such a start is in it."""
    local = moment.astimezone(ZoneInfo(series.timezone))
    found = series_rule_near(series, local).between(
        local - timedelta(days=1), local + timedelta(days=1), inc=True
    )
    return any(s.astimezone(UTC) == moment.astimezone(UTC) for s in found)
