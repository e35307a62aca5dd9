"""Queries behind the check-in lists, and the words for stored choices."""

from datetime import date, timedelta

from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .forms import COPING, MOOD_LABELS, OWN, SLEEP_LABELS, TRIGGERS
from .models import CheckIn

CARE_DAYS = 14


def history_rows(client_id: int, since: date) -> list[CheckIn]:
    """Return a client's check-ins since a day, newest first, with who reviewed each."""
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.client_id == client_id, CheckIn.day >= since)
            .options(joinedload(CheckIn.reviewed_by))
            .order_by(CheckIn.day.desc())
        )
    )


def care_rows(today: date, limit: int = 300) -> list[CheckIn]:
    """Return the care team's list: flagged and unreviewed first (however old), then flagged,
    then the rest of the last two weeks, newest first within each."""
    unreviewed = CheckIn.flagged_at.is_not(None) & CheckIn.reviewed_at.is_(None)
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(or_(unreviewed, CheckIn.day >= today - timedelta(days=CARE_DAYS - 1)))
            .options(joinedload(CheckIn.client), joinedload(CheckIn.reviewed_by))
            .order_by(
                case((unreviewed, 0), (CheckIn.flagged_at.is_not(None), 1), else_=2),
                CheckIn.day.desc(),
                CheckIn.id.desc(),
            )
            .limit(limit)
        )
    )


def choice_labels() -> dict:
    """Return the words for the stored mood and sleep answers."""
    return {"mood": dict(MOOD_LABELS), "sleep": dict(SLEEP_LABELS)}


def label_of(value: str) -> str:
    """Return the words for a stored trigger or coping choice (the client's own as they wrote)."""
    return str(dict(TRIGGERS + COPING).get(value) or value.removeprefix(OWN))


def flag_timeline(client_id: int, limit: int = 50) -> list[CheckIn]:
    """Return a client's flagged check-ins, newest first, with who reviewed each."""
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.client_id == client_id, CheckIn.flagged_at.is_not(None))
            .options(joinedload(CheckIn.reviewed_by))
            .order_by(CheckIn.flagged_at.desc())
            .limit(limit)
        )
    )
