"""What needs the care team now: unreviewed flags, worst first, and how severe each reason is."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import CheckIn


@dataclass(frozen=True)
class Severity:
    """How a reason is shown: a colour class, a word and an icon, never the colour alone."""

    rank: int
    css: str
    word: str
    icon: str
    reason: str


SEVERITIES = {
    "self_harm": Severity(0, "sev-urgent", _l("Urgent"), "alert", _l("Thoughts of self-harm")),
    "use": Severity(1, "sev-high", _l("High"), "warning", _l("Reported use")),
    "craving": Severity(2, "sev-watch", _l("Watch"), "eye", _l("Strong craving")),
}


def severity_of(reason: str) -> Severity:
    """Return how a flag reason is shown."""
    return SEVERITIES[reason]


def worst(reasons) -> Severity | None:
    """Return the most severe of a check-in's reasons."""
    known = [SEVERITIES[r] for r in reasons if r in SEVERITIES]
    return min(known, key=lambda s: s.rank) if known else None


def unreviewed_flags(limit: int = 50) -> list[CheckIn]:
    """Return flagged check-ins nobody has reviewed: self-harm, then use, then cravings, oldest
    first within each (the one that has waited longest is the one to take next)."""
    rows = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.flagged_at.is_not(None), CheckIn.reviewed_at.is_(None))
        .options(joinedload(CheckIn.client))
        .order_by(CheckIn.flagged_at)
        .limit(limit)
    ).all()
    return sorted(rows, key=lambda c: worst(c.flag_reasons).rank if c.flag_reasons else 9)


def unreviewed_count() -> int:
    """Count flagged check-ins nobody has reviewed, for the badge on the staff navigation."""
    return db.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.flagged_at.is_not(None), CheckIn.reviewed_at.is_(None))
    )


def minutes_ago(then: datetime, now: datetime) -> int:
    """Return whole minutes between two instants (never negative)."""
    return max(0, int((now - then).total_seconds() // 60))
