"""Booking and enrolling for the care team: forms to series and back, and their lists."""

from datetime import datetime, timedelta

from flask_login import current_user
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..consent.models import ConsentGrant
from ..consent.rules import valid_consent
from ..extensions import db
from ..timeutil import clinic_zone
from .forms import SeriesForm
from .models import AbsenceNotice, Enrollment, SeriesFamilyMember, SessionSeries
from .occurrences import expand


def staff_choices() -> list[tuple[int, str]]:
    return [
        (u.id, u.name)
        for u in db.session.scalars(
            select(User).where(User.role == "staff", User.active.is_(True)).order_by(User.name)
        )
    ]


def family_choices(client: User | None, now: datetime) -> list[tuple[int, str]]:
    """Return the family members who hold a valid consent from this client (the care team
    marks them on a family session; it can never create a consent)."""
    if client is None:
        return []
    rows = db.session.scalars(
        select(User)
        .join(ConsentGrant, valid_consent(User.id, client.id, now))
        .where(User.role == "family", User.active.is_(True))
        .order_by(User.name)
    )
    return [(u.id, f"{u.name} ({u.email})") for u in rows]


def new_series_form(kind: str, family=()) -> SeriesForm:
    """Return an empty booking form, with the current counselor as facilitator."""
    form = SeriesForm()
    form.facilitator_id.choices = staff_choices()
    form.family_ids.choices = list(family)
    if kind == "group":
        form.kind.choices = [c for c in form.kind.choices if c[0] in ("group", "psychoeducation")]
    else:
        form.kind.choices = [c for c in form.kind.choices if c[0] != "group"]
    if not form.is_submitted():
        form.kind.data = kind
        form.facilitator_id.data = current_user.id
        form.duration_minutes.data = 180 if kind == "group" else 60
        form.repeat.data = "1" if kind == "group" else "0"
    return form


def series_form_for(series: SessionSeries, now: datetime) -> SeriesForm:
    """Return the booking form filled in from an existing series."""
    form = new_series_form(series.kind, family_choices(series.client, now))
    if not form.is_submitted():
        form.process(obj=series)
        form.facilitator_id.data = series.facilitator_id
        form.repeat.data = str(series.interval_weeks) if series.is_recurring else "0"
        form.weekdays.data = [str(d) for d in series.weekday_numbers]
        form.family_ids.data = [u.id for u in series.family_members]
    return form


def fill_series(series: SessionSeries, form: SeriesForm) -> SessionSeries:
    """Copy a valid booking form into a series (new or existing)."""
    series.kind = form.kind.data
    series.title = form.title.data
    series.facilitator_id = form.facilitator_id.data
    series.timezone = series.timezone or str(clinic_zone())
    series.start_date, series.start_time = form.start_date.data, form.start_time.data
    series.duration_minutes = form.duration_minutes.data
    repeating = form.repeat.data != "0"
    series.weekdays = ",".join(sorted(form.weekdays.data)) if repeating else ""
    series.interval_weeks = int(form.repeat.data) if repeating else 1
    series.until_date = form.until_date.data if repeating else None
    series.place, series.room = form.place.data, form.room.data
    series.telehealth_url = form.telehealth_url.data
    return series


def save_series(series: SessionSeries, family_ids=()) -> SessionSeries:
    """Store a series and, for a family session, who it is shared with."""
    db.session.add(series)
    db.session.flush()
    db.session.execute(delete(SeriesFamilyMember).where(SeriesFamilyMember.series_id == series.id))
    if series.kind == "family":
        for family_id in family_ids:
            db.session.add(SeriesFamilyMember(series_id=series.id, family_id=family_id))
    db.session.commit()
    return series


def enroll(client: User, form) -> Enrollment:
    """Create or update a client's enrollment from the form."""
    row = db.session.scalar(select(Enrollment).where(Enrollment.client_id == client.id))
    if row is None:
        row = Enrollment(client_id=client.id)
        db.session.add(row)
    row.start_date, row.planned_weeks = form.start_date.data, form.planned_weeks.data
    row.phase = form.phase.data
    row.required_minutes_per_week = form.required_hours.data * 60
    row.absence_warning_at = form.absence_warning_at.data
    row.group_id = form.group_id.data or None
    db.session.commit()
    return row


def recent_and_upcoming(
    now, zone, staff: User, days_back: int = 7, days_ahead: int = 7, caseload_groups=False
):
    """Return the groups' occurrences and those this counselor runs, a week either side.

    With `caseload_groups`, of the groups only those the counselor's own clients are in (a
    clinic of many groups has more than anyone can act on from their home); a counselor with
    no clients of their own still sees every group."""
    groups = SessionSeries.group_id.is_not(None)
    if caseload_groups:
        caseload = select(User.id).where(User.counselor_id == staff.id)
        theirs = select(Enrollment.group_id).where(Enrollment.client_id.in_(caseload))
        groups = and_(groups, or_(SessionSeries.group_id.in_(theirs), ~caseload.exists()))
    series = db.session.scalars(
        select(SessionSeries)
        .where(or_(groups, SessionSeries.facilitator_id == staff.id))
        .options(joinedload(SessionSeries.group), joinedload(SessionSeries.client))
    ).all()
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return expand(
        series, today - timedelta(days=days_back), today + timedelta(days=days_ahead), zone
    )


def unseen_notices(limit: int = 20, include_seen: bool = False) -> list[AbsenceNotice]:
    """Return client notices, unseen first and newest first."""
    stmt = (
        select(AbsenceNotice)
        .options(joinedload(AbsenceNotice.person), joinedload(AbsenceNotice.series))
        .order_by(AbsenceNotice.seen_at.is_not(None), AbsenceNotice.created_at.desc())
        .limit(limit)
    )
    if not include_seen:
        stmt = stmt.where(AbsenceNotice.seen_at.is_(None))
    return list(db.session.scalars(stmt))
