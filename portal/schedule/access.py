"""Loaders for the schedule's objects: each answers 404 to anyone who may not see the thing."""

from flask_login import current_user

from ..accounts.access import refuse
from ..addresses import public_host
from ..extensions import db
from ..timeutil import clinic_zone, utcnow
from .models import AbsenceNotice, Group, SessionSeries
from .occurrences import Occurrence, parse_key
from .visibility import visible_occurrence


def get_occurrence_or_404(series_id: int, key: str, disclosing: str | None = None) -> Occurrence:
    """Load one occurrence the current person may see now, or answer 404."""
    series = db.session.get(SessionSeries, series_id)
    moment = parse_key(key)
    if series is None or moment is None or not current_user.is_authenticated:
        refuse()
    found = visible_occurrence(current_user, series, moment, utcnow(), clinic_zone(), disclosing)
    return found or refuse()


def _staff_only():
    if not (current_user.is_authenticated and current_user.is_staff):
        refuse()


def get_series_or_404(series_id: int) -> SessionSeries:
    """Load a series for the care team."""
    _staff_only()
    return db.session.get(SessionSeries, series_id) or refuse()


def get_group_or_404(group_id: int) -> Group:
    """Load a group for the care team."""
    _staff_only()
    return db.session.get(Group, group_id) or refuse()


def get_notice_or_404(notice_id: int) -> AbsenceNotice:
    """Load a "can't make it" notice for the care team."""
    _staff_only()
    return db.session.get(AbsenceNotice, notice_id) or refuse()


def host() -> str:
    """Return the host name used in calendar UIDs."""
    return public_host()
