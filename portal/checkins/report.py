"""The clinical director's report: this week's flags, how fast they were reviewed, which waited."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..weeks import week_start as clinic_week_start
from .escalation import escalation_at
from .models import CheckIn


@dataclass
class FlagLine:
    checkin: CheckIn
    waited: timedelta | None  # flag to review; None while unreviewed
    escalate_at: datetime | None
    late: bool  # reviewed (or still not) after its escalation time


@dataclass
class FlagReport:
    start: date
    end: date
    lines: list[FlagLine]

    @property
    def median_wait(self) -> timedelta | None:
        waits = [line.waited for line in self.lines if line.waited is not None]
        return median(waits) if waits else None

    @property
    def late(self) -> list[FlagLine]:
        return [line for line in self.lines if line.late]

    @property
    def unreviewed(self) -> list[FlagLine]:
        return [line for line in self.lines if line.waited is None]


def week_start(now: datetime, zone) -> date:
    """Return the first day of the clinic's current week."""
    return clinic_week_start(now.astimezone(zone).date())


def flag_report(now: datetime, zone, hours: dict, minutes: int) -> FlagReport:
    """Build the report for the clinic week (portal/weeks.py) that holds `now`."""
    start = week_start(now, zone)
    since = datetime.combine(start, time(0), tzinfo=zone)
    rows = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.flagged_at >= since, CheckIn.flagged_at <= now)
        .options(joinedload(CheckIn.client), joinedload(CheckIn.reviewed_by))
        .order_by(CheckIn.flagged_at)
    ).all()
    lines = []
    for c in rows:
        due = escalation_at(c.flagged_at, minutes, hours, zone)
        waited = c.reviewed_at - c.flagged_at if c.reviewed_at else None
        late = due is not None and (c.reviewed_at or now) > due
        lines.append(FlagLine(c, waited, due, late))
    return FlagReport(start, start + timedelta(days=6), lines)
