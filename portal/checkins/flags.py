"""What happens when a check-in is flagged, beyond the flag on its row: the one hook for push."""

import logging

from .models import CheckIn

log = logging.getLogger("portal.checkins")


def on_checkin_flagged(checkin: CheckIn) -> None:
    """Tell the care team a check-in needs attention beyond the flag on its row.

    The flag itself puts the check-in at the top of the care team's list, and the reminder
    worker's "reviews" source (portal/notifications/sources.py) sends the client's counselor a
    neutral push on its next pass ("A check-in needs review": no words about treatment, use or
    the answers). Sending from the worker, not from this request, keeps saving fast and safe.
    It is called once, after the check-in is saved, when it first becomes flagged.
    """
    log.info("checkin flagged id=%s", checkin.id)


def after_flagged(checkin: CheckIn) -> None:
    """Run the hook without ever letting it undo or block the saved check-in."""
    try:
        on_checkin_flagged(checkin)
    except Exception:
        log.exception("on_checkin_flagged failed id=%s", checkin.id)
