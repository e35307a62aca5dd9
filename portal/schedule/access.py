"""Loaders for the schedule's objects: each answers 404 to anyone who may not see the thing."""

from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import refuse
from ..addresses import public_host
from ..extensions import db
from ..family.consent import consented_family_series, within_consent
from ..timeutil import clinic_zone
from .models import AbsenceNotice, Enrollment, Group, SessionSeries
from .occurrences import Occurrence, find_occurrence, parse_key


def can_see_series(user, series: SessionSeries) -> bool:
    """Tell whether a person takes part in (or, for the care team, runs) a series."""
    if user.is_staff:
        return True
    if user.is_client:
        if series.client_id == user.id:
            return True
        group_id = db.session.scalar(
            select(Enrollment.group_id).where(Enrollment.client_id == user.id)
        )
        return series.group_id is not None and series.group_id == group_id
    if user.is_family and series.kind == "family":
        visible = consented_family_series(user).where(SessionSeries.id == series.id)
        return db.session.scalar(visible) is not None
    return False


def get_occurrence_or_404(series_id: int, key: str) -> Occurrence:
    """Load one occurrence of a series the current person may see, or answer 404."""
    series = db.session.get(SessionSeries, series_id)
    moment = parse_key(key)
    if series is None or moment is None or not current_user.is_authenticated:
        refuse()
    if not can_see_series(current_user, series):
        refuse()
    occurrence = find_occurrence(series, moment, clinic_zone())
    if occurrence is None:
        refuse()
    if current_user.is_family and not within_consent([occurrence], current_user):
        refuse()
    return occurrence


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
