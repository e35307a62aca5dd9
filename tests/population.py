"""A clinic of N people with devices, in every situation the reminder sources tell apart.

Client i is, by its number: in the evening group, the morning group or none; with an individual
series or a one-off; with a family member whose consent is valid, not yet valid, revoked or
expired; with a "can't make it" (in force or taken back) or "running late"; checked in today or
not; with a saved meeting and open homework. Client 1 was discharged the day before MONDAY.
Some occurrences are cancelled or moved. Everything is dated around MONDAY, whatever the real day.
"""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import User
from portal.checkins.rules import save_checkin
from portal.extensions import db
from portal.family.invitations import sign_consent
from portal.homework.models import HomeworkAssignment, HomeworkCopy
from portal.meetings.mine import save_meeting
from portal.meetings.models import Meeting
from portal.notifications.models import PushSubscription
from portal.schedule.models import (
    AbsenceNotice,
    Attendance,
    Enrollment,
    Group,
    OccurrenceChange,
    SeriesFamilyMember,
    SessionSeries,
)
from tests.meeting_feeds import import_entries, meeting
from tests.test_checkins import ANSWERS

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 11, 23)
EVERY_DAY = "0,1,2,3,4,5,6"
# What a family member's consent is like, by the client's number (see _consent).
CONSENTS = ("valid", "not yet valid", "revoked", "expired")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def _series(**fields) -> SessionSeries:
    values = {
        "kind": "group",
        "timezone": "America/New_York",
        "start_date": date(2026, 11, 2),
        "duration_minutes": 60,
        "weekdays": EVERY_DAY,
        "room": "Room 2",
    }
    series = SessionSeries(**{**values, **fields})
    db.session.add(series)
    return series


def _device(user_id: int) -> None:
    db.session.add(
        PushSubscription(
            user_id=user_id,
            endpoint=f"https://fcm.googleapis.com/fcm/send/{user_id}",
            p256dh="p256dh",
            auth="auth",
            device_label="Test",
        )
    )


def _person(role: str, n: int, **fields) -> User:
    user = User(email=f"{role}{n}@example.test", name=f"{role.title()} {n}", role=role, **fields)
    db.session.add(user)
    db.session.flush()
    _device(user.id)
    return user


def _consent(client: User, family: User, kind: str) -> None:
    signed, last_day = local(date(2026, 11, 20), 10), date(2027, 2, 1)
    if kind == "not yet valid":
        signed = local(MONDAY + timedelta(days=2), 10)
    elif kind == "expired":
        signed, last_day = local(date(2026, 10, 1), 10), date(2026, 11, 15)
    grant = sign_consent(client, family.name, "Parent", family.email, last_day, client.name, signed)
    grant.family_id = family.id
    if kind == "revoked":
        grant.revoked_at = local(date(2026, 11, 22), 12)


def _family(client: User, n: int, kind: str, others: list[int]) -> User:
    """A family member on the client's family series; also on another client's, who gave no
    consent for it."""
    family = _person("family", n)
    series = _series(kind="family", client_id=client.id, start_time=time(16), room="Family room")
    db.session.flush()
    for series_id in [series.id, *others[-1:]]:
        db.session.add(SeriesFamilyMember(series_id=series_id, family_id=family.id))
    others.append(series.id)
    _consent(client, family, kind)
    return family


def _notice(client: User, series: SessionSeries, day: date, kind: str, withdrawn=False) -> None:
    start = local(day, series.start_time.hour).astimezone(UTC)
    db.session.add(
        AbsenceNotice(
            person_id=client.id,
            series_id=series.id,
            occurrence_start=start,
            kind=kind,
            created_at=local(day - timedelta(days=1), 9),
            withdrawn_at=local(day - timedelta(days=1), 10) if withdrawn else None,
        )
    )


def _change(series: SessionSeries, day: date, **fields) -> None:
    original = local(day, series.start_time.hour).astimezone(UTC)
    db.session.add(OccurrenceChange(series_id=series.id, original_start=original, **fields))


def _groups() -> SimpleNamespace:
    evening, morning = Group(name="Evening"), Group(name="Morning")
    db.session.add_all([evening, morning])
    db.session.flush()
    groups = SimpleNamespace(
        evening=evening,
        morning=morning,
        evening_series=_series(group_id=evening.id, start_time=time(18), duration_minutes=180),
        morning_series=_series(group_id=morning.id, start_time=time(10), weekdays="0,1,2,3,4"),
    )
    db.session.flush()
    # Tuesday evening's is cancelled, Monday morning's moved to the afternoon, Wednesday
    # morning's moved to Tuesday night.
    _change(groups.evening_series, MONDAY + timedelta(days=1), cancelled=True, sequence=2)
    _change(
        groups.morning_series,
        MONDAY,
        new_start=local(MONDAY, 14),
        new_end=local(MONDAY, 15),
        note="Moved",
        family_note="Moved",
    )
    _change(
        groups.morning_series,
        MONDAY + timedelta(days=2),
        new_start=local(MONDAY + timedelta(days=1), 21),
        new_end=local(MONDAY + timedelta(days=1), 22),
    )
    return groups


def _client(i: int, groups, staff: User) -> User:
    discharged = MONDAY - timedelta(days=1) if i == 1 else None
    locale = "es" if i % 4 == 3 else None
    client = _person("client", i, counselor_id=staff.id, discharged_on=discharged, locale=locale)
    group, series = [
        (groups.evening, groups.evening_series),
        (groups.morning, groups.morning_series),
        (None, None),
    ][i % 3]
    db.session.add(
        Enrollment(client_id=client.id, group_id=group and group.id, start_date=date(2026, 11, 2))
    )
    if i % 2 == 0:  # an individual series every day, or a one-off on Tuesday
        weekly = i % 4 == 0
        _series(
            kind="individual",
            client_id=client.id,
            start_date=date(2026, 11, 2) if weekly else MONDAY + timedelta(days=1),
            weekdays=EVERY_DAY if weekly else "",
            start_time=time(8 + i % 10),
        )
    if series is not None and i % 6 in (0, 4):
        kind = "cant_make_it" if i % 6 == 0 else "running_late"
        for day in (MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)):
            _notice(client, series, day, kind, withdrawn=i % 12 == 6)
    if series is not None and i % 5 == 2:
        start = local(MONDAY - timedelta(days=1), series.start_time.hour).astimezone(UTC)
        db.session.add(
            Attendance(
                client_id=client.id, series_id=series.id, occurrence_start=start, status="late"
            )
        )
    return client


def populate(app, n: int) -> SimpleNamespace:
    """Build a clinic of n clients (and their family members), each with a device."""
    with app.app_context(), app.test_request_context():
        staff = _person("staff", 0)
        groups = _groups()
        homework = HomeworkAssignment(
            title="Group worksheet", due_at=local(MONDAY + timedelta(days=1), 18)
        )
        db.session.add(homework)
        db.session.commit()
        clinic = SimpleNamespace(
            staff_id=staff.id,
            group_ids=(groups.evening.id, groups.morning.id),
            series_ids=(groups.evening_series.id, groups.morning_series.id),
            homework_id=homework.id,
            family_series_ids=[],
            client_ids=[],  # by the client's number
            families={},  # {client number: their family member's id}
        )
    add_clients(app, clinic, range(n))
    return clinic


def add_clients(app, clinic, numbers: range) -> None:
    """Add clients with these numbers to the clinic (see the module's docstring)."""
    with app.app_context(), app.test_request_context():
        staff = db.session.get(User, clinic.staff_id)
        groups = SimpleNamespace(
            evening=db.session.get(Group, clinic.group_ids[0]),
            morning=db.session.get(Group, clinic.group_ids[1]),
            evening_series=db.session.get(SessionSeries, clinic.series_ids[0]),
            morning_series=db.session.get(SessionSeries, clinic.series_ids[1]),
        )
        meetings = _meetings(numbers)
        for i in numbers:
            client = _client(i, groups, staff)
            clinic.client_ids.append(client.id)
            if i % 5 == 1:
                kind = CONSENTS[(i // 5) % len(CONSENTS)]
                family = _family(client, i, kind, clinic.family_series_ids)
                clinic.families[i] = family.id
            if i % 2 == 1:
                answers = {**ANSWERS, "craving": 9 if i % 10 == 3 else 2}
                save_checkin(client, MONDAY, answers, now=local(MONDAY, 8))
            if i % 3 == 0:
                save_meeting(client, meetings[i // 3], 30)
            _homework(client, i, clinic.homework_id)
        db.session.commit()


def _meetings(numbers: range) -> dict[int, Meeting]:
    """Import a meeting for every three clients: each distinct meeting is a row a source reads."""
    wanted = {i // 3 for i in numbers if i % 3 == 0}
    location = f"test:feed-{numbers.start}"
    import_entries([meeting(f"m{k}", day=k % 3, time="19:00") for k in wanted], location)
    found = db.session.scalars(select(Meeting).where(Meeting.slug.in_([f"m{k}" for k in wanted])))
    return {int(m.slug[1:]): m for m in found}


def _homework(client: User, i: int, group_homework_id: int) -> None:
    """Give each client homework of their own; every third one the group's too."""
    own = HomeworkAssignment(
        title=f"Worksheet {i}", due_at=local(MONDAY + timedelta(days=1 + i % 3), 12)
    )
    db.session.add(own)
    db.session.flush()
    db.session.add(HomeworkCopy(assignment_id=own.id, client_id=client.id))
    if i % 3 == 0:
        db.session.add(HomeworkCopy(assignment_id=group_homework_id, client_id=client.id))
