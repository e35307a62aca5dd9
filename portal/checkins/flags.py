"""What happens when a check-in is flagged, beyond the flag on its row: the one hook for push."""

import logging

from .models import CheckIn

log = logging.getLogger("portal.checkins")


def on_checkin_flagged(checkin: CheckIn) -> None:
    """Tell the care team a check-in needs attention beyond the flag on its row.

    The flag itself puts the check-in at the top of the counselor's home and raises the badge
    on the staff navigation. The reminder worker (portal/notifications/care_sources.py) sends
    the client's counselor a neutral push on its next pass ("A check-in needs your review": no
    words about treatment, use or the answers) and, for thoughts of self-harm still unreviewed
    after FLAG_ESCALATE_MINUTES of clinic hours, everyone on duty. Sending from the worker, not
    from this request, keeps saving fast and safe. It is called once, after the check-in is
    saved, when it first becomes flagged.
    """
    log.info("checkin flagged id=%s", checkin.id)


def after_flagged(checkin: CheckIn) -> None:
    """Run the hook without ever letting it undo or block the saved check-in."""
    try:
        on_checkin_flagged(checkin)
    except Exception:
        log.exception("on_checkin_flagged failed id=%s", checkin.id)
