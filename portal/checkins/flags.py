"""What happens when a check-in is flagged, beyond the flag on its row: the one hook for push."""

import logging

from .models import CheckIn

log = logging.getLogger("portal.checkins")


def on_checkin_flagged(checkin: CheckIn) -> None:
    """Tell the care team a check-in needs attention beyond the flag on its row.

    Today this records nothing extra: the flag itself puts the check-in at the top of the care
    team's list. The notifications feature will send the client's counselor a neutral push from
    here (no words about treatment, use or the answers; only that a check-in needs a look).
    It is called once, after the check-in is saved, when it first becomes flagged.
    """
    log.info("checkin flagged id=%s", checkin.id)


def after_flagged(checkin: CheckIn) -> None:
    """Run the hook without ever letting it undo or block the saved check-in."""
    try:
        on_checkin_flagged(checkin)
    except Exception:
        log.exception("on_checkin_flagged failed id=%s", checkin.id)
