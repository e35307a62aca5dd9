"""The demo clinic's calendar: the evening group, individual and family sessions, attendance."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..timeutil import clinic_zone
from .models import Enrollment, Group, SeriesFamilyMember, SessionSeries
from .occurrences import expand
from .rules import cancel_occurrence, record_attendance

CLINIC = "1200 Harbor Street, Springfield"


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _series(**values) -> SessionSeries:
    series = SessionSeries(timezone=str(clinic_zone()), **values)
    db.session.add(series)
    return series


def seed_schedule(people: dict, now: datetime) -> None:
    """Create the demo calendar once, relative to now; a second run finds the group and stops."""
    if db.session.scalar(select(Group).where(Group.name == "Evening group")):
        return
    zone = clinic_zone()
    today = now.astimezone(zone).date()
    start = today - timedelta(days=21)
    counselor = people["counselor@example.org"]
    client, client2 = people["client@example.org"], people["client2@example.org"]
    group = Group(name="Evening group")
    db.session.add(group)
    db.session.flush()
    for person in (client, client2):
        db.session.add(Enrollment(client_id=person.id, group_id=group.id, start_date=start))
    group_series = _series(
        kind="group",
        title="Evening group",
        group_id=group.id,
        facilitator_id=counselor.id,
        start_date=start,
        start_time=time(18),
        duration_minutes=180,
        weekdays="0,2,3",
        place=CLINIC,
        room="Room 2",
    )
    individual = _series(
        kind="individual",
        client_id=client.id,
        facilitator_id=counselor.id,
        start_date=_next_weekday(start, 1),
        start_time=time(17),
        duration_minutes=60,
        weekdays="1",
        place=CLINIC,
        room="Office 4",
    )
    family = _series(
        kind="family",
        client_id=client.id,
        facilitator_id=counselor.id,
        start_date=_next_weekday(start, 5),
        start_time=time(10),
        duration_minutes=60,
        weekdays="5",
        interval_weeks=2,
        place=CLINIC,
        room="Family room",
    )
    _series(
        kind="psychoeducation",
        title="Understanding cravings",
        client_id=client.id,
        facilitator_id=counselor.id,
        start_date=today + timedelta(days=3),
        start_time=time(12),
        duration_minutes=60,
        telehealth_url="https://video.example.org/room/demo-psychoeducation",
    )
    _series(
        kind="medication",
        client_id=client.id,
        facilitator_id=counselor.id,
        start_date=today + timedelta(days=9),
        start_time=time(15, 30),
        duration_minutes=30,
        place=CLINIC,
        room="Clinic office 1",
    )
    db.session.flush()
    db.session.add(
        SeriesFamilyMember(series_id=family.id, family_id=people["family@example.org"].id)
    )
    db.session.commit()
    _seed_attendance([group_series, individual, family], people, now, zone)
    _cancel_a_future_group(group_series, counselor, now, zone)


def _seed_attendance(series_list, people, now, zone) -> None:
    counselor = people["counselor@example.org"]
    client, client2 = people["client@example.org"], people["client2@example.org"]
    past = [o for o in expand(series_list, now - timedelta(days=30), now, zone) if o.end <= now]
    group_count = 0
    for o in past:
        if o.series.kind == "group":
            group_count += 1
            # One unexcused absence and one late arrival, to show the progress page's rules.
            status = {3: "unexcused", 5: "late"}.get(group_count, "attended")
            record_attendance(
                o, {client.id: status, client2.id: "attended"}, counselor, now=o.end
            )
        else:
            record_attendance(o, {client.id: "attended"}, counselor, now=o.end)


def _cancel_a_future_group(series, counselor, now, zone) -> None:
    upcoming = expand([series], now + timedelta(days=7), now + timedelta(days=14), zone)
    if upcoming:
        cancel_occurrence(
            upcoming[0], counselor, "The clinic is closed for staff training.", now=now
        )
