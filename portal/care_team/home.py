"""The counselor's home: what needs them, in the order it needs them."""

from datetime import datetime, timedelta

from ..checkins.attention import unreviewed_flags
from ..schedule.booking import recent_and_upcoming, unseen_notices


def todays_notices(now: datetime, zone) -> list:
    """Return unseen "I can't make it" and "running late" notices for today's sessions."""
    today = now.astimezone(zone).date()
    return [
        n for n in unseen_notices(limit=100) if n.occurrence_start.astimezone(zone).date() == today
    ]


def todays_sessions(now: datetime, zone, staff) -> list:
    """Return today's group sessions and the sessions this counselor runs, in time order."""
    today = now.astimezone(zone).date()
    items = recent_and_upcoming(now, zone, staff, days_back=0, days_ahead=1)
    return [o for o in items if o.start.astimezone(zone).date() == today]


def home_context(now: datetime, zone, staff) -> dict:
    """Gather the home page: flags (worst first), today's notices, today's sessions."""
    return {
        "flags": unreviewed_flags(),
        "notices": todays_notices(now, zone),
        "sessions": todays_sessions(now, zone, staff),
        "now": now,
        "day_ago": now - timedelta(days=1),
    }
