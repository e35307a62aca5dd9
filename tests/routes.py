"""Walk every route of the app as each kind of person: the basis of the access tests."""

from datetime import time, timedelta
from types import SimpleNamespace

from flask import Flask

from portal.accounts.language import written_for
from portal.accounts.models import User
from portal.checkins.models import CheckIn
from portal.extensions import db
from portal.family.invitations import sign_consent
from portal.recovery_plan.contacts import add_contact
from portal.schedule.models import (
    AbsenceNotice,
    Enrollment,
    Group,
    SeriesFamilyMember,
    SessionSeries,
)
from portal.schedule.occurrences import expand
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import make_user, sign_in
from tests.meeting_feeds import make_meeting_objects

ROLES = [
    "anonymous",
    "client",
    "other_client",
    "family",
    "family_revoked",
    "family_expired",
    "family_other",
    "staff",
    "admin",
]


def all_rules(app: Flask):
    """Return the app's URL rules, but the static files."""
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )


def make_people(app: Flask, language: str = "en") -> SimpleNamespace:
    """Create one person of every kind and the objects each owns (consents signed in
    `language`, and every account reading it)."""
    staff = make_user(app, "staff", name="Casey Staff")
    people = SimpleNamespace(
        client=make_user(app, "client", name="Alex Client", counselor_id=staff.id),
        other_client=make_user(app, "client", name="Other Client", counselor_id=staff.id),
        family=make_user(app, "family", name="Fam Member"),
        family_revoked=make_user(app, "family", name="Fam Revoked"),
        family_expired=make_user(app, "family", name="Fam Expired"),
        family_other=make_user(app, "family", name="Fam Other"),
        staff=staff,
        admin=make_user(app, "staff", name="Ada Admin", admin=True),
    )
    with app.app_context():
        for person in db.session.scalars(db.select(User)):
            person.locale = language
        db.session.commit()
        _make_schedule(people)
        with written_for(language):
            _make_family(people)
        people.contact_id = add_contact(
            db.session.get(User, people.client.id), "Sponsor", "", "555 010 1111"
        ).id
        people.other_contact_id = add_contact(
            db.session.get(User, people.other_client.id), "Friend", "", "555 010 2222"
        ).id
        people.checkin_id = _flagged_checkin(people.client.id)
    make_meeting_objects(app, people)
    with app.app_context():
        _make_homework(people)
    return people


def _make_schedule(people: SimpleNamespace) -> None:
    """Put the first client (only) in a group with a weekly session, and leave a notice."""
    zone = clinic_zone()
    now = utcnow()
    group = Group(name="Tuesday group")
    db.session.add(group)
    db.session.flush()
    db.session.add(
        Enrollment(
            client_id=people.client.id,
            group_id=group.id,
            start_date=now.date() - timedelta(days=14),
        )
    )
    series = SessionSeries(
        kind="group",
        group_id=group.id,
        timezone=str(zone),
        start_date=now.date() - timedelta(days=14),
        start_time=time(18),
        duration_minutes=120,
        weekdays="0,1,2,3,4,5,6",
        place="Clinic",
    )
    db.session.add(series)
    db.session.commit()
    upcoming = expand([series], now + timedelta(days=1), now + timedelta(days=2), zone)[0]
    notice = AbsenceNotice(
        person_id=people.client.id,
        series_id=series.id,
        occurrence_start=upcoming.original_start,
        kind="cant_make_it",
    )
    db.session.add(notice)
    db.session.commit()
    people.group_id, people.series_id, people.key = group.id, series.id, upcoming.key
    people.notice_id = notice.id


def _consent(client_id: int, family_id: int | None, name: str):
    client = db.session.get(User, client_id)
    grant = sign_consent(
        client,
        name,
        "Parent",
        f"{name.split()[0].lower()}@example.org",
        utcnow().date() + timedelta(days=60),
        client.name,
        utcnow() - timedelta(days=1),
    )
    grant.family_id = family_id
    return grant


def _make_family(people: SimpleNamespace) -> None:
    """Family sessions for both clients; consents valid, revoked, expired, from the other
    client, and one still pending (the first client's consent whose id the URLs use)."""
    zone = clinic_zone()
    start = utcnow().date()
    ids = {}
    for owner in ("client", "other_client"):
        series = SessionSeries(
            kind="family",
            client_id=getattr(people, owner).id,
            timezone=str(zone),
            start_date=start,
            start_time=time(10),
            duration_minutes=60,
            weekdays="0,1,2,3,4,5,6",
            room="Family room",
        )
        db.session.add(series)
        db.session.flush()
        ids[owner] = series.id
    for member, owner in (
        ("family", "client"),
        ("family_revoked", "client"),
        ("family_expired", "client"),
        ("family_other", "other_client"),
    ):
        db.session.add(
            SeriesFamilyMember(series_id=ids[owner], family_id=getattr(people, member).id)
        )
    db.session.commit()
    _consent(people.client.id, people.family.id, "Fam Member")
    _consent(people.client.id, people.family_revoked.id, "Fam Revoked").revoked_at = utcnow()
    _consent(people.client.id, people.family_expired.id, "Fam Expired").expires_at = (
        utcnow() - timedelta(minutes=1)
    )
    _consent(people.other_client.id, people.family_other.id, "Fam Other")
    people.consent_id = _consent(people.client.id, None, "Aunt Pending").id
    db.session.commit()
    people.family_series_id, people.other_family_series_id = ids["client"], ids["other_client"]
    upcoming = expand(
        [db.session.get(SessionSeries, ids["client"])],
        utcnow() + timedelta(days=1),
        utcnow() + timedelta(days=2),
        zone,
    )[0]
    people.family_key = upcoming.key


def _flagged_checkin(client_id: int) -> int:
    checkin = CheckIn(
        client_id=client_id,
        day=utcnow().date(),
        mood=2,
        craving=9,
        sleep="okay",
        confidence=3,
        triggers=[],
        coping=[],
        flag_reasons=["craving"],
        flagged_at=utcnow(),
    )
    db.session.add(checkin)
    db.session.commit()
    return checkin.id


def _make_homework(people: SimpleNamespace) -> None:
    """Homework with a question for the first client, and a copy of another for the other."""
    from portal.homework.rules import assign

    staff = db.session.get(User, people.staff.id)
    due = utcnow() + timedelta(days=2)
    now = utcnow()
    mine = assign(
        staff, "Worksheet", "Do it.", due, client=people.client, questions=["Why?"], now=now
    )
    theirs = assign(
        staff, "Other", "", due, client=people.other_client, questions=["How?"], now=now
    )
    people.assignment_id, people.copy_id = mine.id, mine.copies[0].id
    people.question_id = mine.questions[0].id
    people.other_copy_id, people.other_question_id = theirs.copies[0].id, theirs.questions[0].id


def sign_in_as(app: Flask, client, role: str) -> SimpleNamespace:
    """Create everyone, then sign the test client in as one of them (or nobody)."""
    people = make_people(app)
    if role != "anonymous":
        response = sign_in(client, getattr(people, role).email)
        assert response.status_code == 302
    people.role = role
    return people


# Which object each URL argument names: always the first client's, so that "other_client"
# walking the same URLs is trying to reach someone else's things.
def _arguments(people: SimpleNamespace) -> dict:
    return {
        "client_id": people.client.id,
        "contact_id": people.contact_id,
        "checkin_id": people.checkin_id,
        "staff_id": people.staff.id,
        "token": "no-such-token",
        "series_id": people.series_id,
        "key": people.key,
        "group_id": people.group_id,
        "notice_id": people.notice_id,
        "consent_id": people.consent_id,
        "secret": "no-such-invitation",
        "meeting_id": people.meeting_id,
        "personal_meeting_id": people.personal_meeting_id,
        "attendance_id": people.attendance_id,
        "copy_id": people.copy_id,
        "question_id": people.question_id,
        "assignment_id": people.assignment_id,
        "passkey_id": 424242,  # nobody holds it
        "code": "es",
    }


def url_for_rule(app: Flask, rule, people: SimpleNamespace) -> str:
    """Build a concrete URL for a rule with the first client's objects."""
    values = {arg: _arguments(people)[arg] for arg in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values)
