"""Where a client stands as of `now`: in the program, in aftercare, or closed.

The one rule every reader asks (the calendar and its feeds through schedule/visibility.py,
Today, homework reminders, flags on check-ins, signing in). A counselor records a discharge
with a date; the program ends at the end of that day in the clinic's zone. Aftercare lasts
AFTERCARE_DAYS from then, after which the account is closed (nothing is deleted here).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..timeutil import clinic_zone
from .models import User

PROGRAM, AFTERCARE, CLOSED = "program", "aftercare", "closed"
REASONS = {
    "completed": _l("Completed the program"),
    "stepped_down": _l("Stepped down to a lower level of care"),
    "left": _l("Left the program"),
    "transferred": _l("Transferred to another program"),
}
CLOSING_NOTICE = timedelta(days=30)  # the client is told this long before the account closes


@dataclass(frozen=True)
class Stage:
    name: str
    program_end: datetime | None = None  # the first instant after the discharge day
    closes_at: datetime | None = None

    @property
    def in_program(self) -> bool:
        return self.name == PROGRAM

    @property
    def last_day(self) -> date | None:
        """The last whole day of aftercare, in the clinic's calendar (closes_at is the midnight
        after it), for sentences like "until the end of …"."""
        if self.closes_at is None:
            return None
        return (self.closes_at.astimezone(clinic_zone()) - timedelta(days=1)).date()

    def closing_soon(self, now: datetime) -> bool:
        return self.name == AFTERCARE and self.closes_at - now <= CLOSING_NOTICE


def program_end(discharged_on: date) -> datetime:
    """The instant the program ends: midnight after the discharge day, in the clinic's zone."""
    return datetime.combine(discharged_on + timedelta(days=1), time(0), tzinfo=clinic_zone())


def stage(user: User, *, now: datetime) -> Stage:
    """Return where this person stands at `now`; anyone not discharged is in the program."""
    if not user.is_client or user.discharged_on is None:
        return Stage(PROGRAM)
    end = program_end(user.discharged_on)
    closes = end + timedelta(days=current_app.config["AFTERCARE_DAYS"])
    if now < end:
        return Stage(PROGRAM, end, closes)
    return Stage(AFTERCARE if now < closes else CLOSED, end, closes)
