"""The counselor's home: what needs them, in the order it needs them."""

from datetime import datetime

from ..checkins.attention import unreviewed_flags
from ..schedule.booking import recent_and_upcoming, unseen_notices


def unseen_notices_by_day(now: datetime, zone) -> tuple[list, list]:
    """Split unseen "I can't make it" and "running late" notices: today's sessions, and later."""
    today = now.astimezone(zone).date()
    notices = unseen_notices(limit=100)
    todays = [n for n in notices if n.occurrence_start.astimezone(zone).date() == today]
    return todays, [n for n in notices if n not in todays]


def todays_sessions(now: datetime, zone, staff) -> list:
    """Return today's sessions of their clients' groups and those this counselor runs."""
    today = now.astimezone(zone).date()
    items = recent_and_upcoming(now, zone, staff, days_back=0, days_ahead=1, caseload_groups=True)
    return [o for o in items if o.start.astimezone(zone).date() == today]


def home_context(now: datetime, zone, staff) -> dict:
    """Gather the home page: flags (worst first), today's notices, today's sessions."""
    todays, later = unseen_notices_by_day(now, zone)
    return {
        "flags": unreviewed_flags(),
        "notices": todays,
        "later_notices": later,
        "sessions": todays_sessions(now, zone, staff),
        "now": now,
    }
