"""Walk every route of the app as each kind of person: the basis of the access tests."""

from datetime import time, timedelta
from types import SimpleNamespace

from flask import Flask

from portal.accounts.models import User
from portal.extensions import db
from portal.recovery_plan.contacts import add_contact
from portal.schedule.models import AbsenceNotice, Enrollment, Group, SessionSeries
from portal.schedule.occurrences import expand
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import make_user, sign_in

ROLES = ["anonymous", "client", "other_client", "family", "staff", "admin"]


def all_rules(app: Flask):
    """Return the app's URL rules, but the static files."""
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )


def make_people(app: Flask) -> SimpleNamespace:
    """Create one person of every kind and the objects each owns."""
    staff = make_user(app, "staff", name="Casey Staff")
    people = SimpleNamespace(
        client=make_user(app, "client", name="Alex Client", counselor_id=staff.id),
        other_client=make_user(app, "client", name="Other Client", counselor_id=staff.id),
        family=make_user(app, "family", name="Fam Member"),
        staff=staff,
        admin=make_user(app, "staff", name="Ada Admin", admin=True),
    )
    with app.app_context():
        _make_schedule(people)
        people.contact_id = add_contact(
            db.session.get(User, people.client.id), "Sponsor", "", "555 010 1111"
        ).id
        people.other_contact_id = add_contact(
            db.session.get(User, people.other_client.id), "Friend", "", "555 010 2222"
        ).id
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
        "staff_id": people.staff.id,
        "token": "no-such-token",
        "series_id": people.series_id,
        "key": people.key,
        "group_id": people.group_id,
        "notice_id": people.notice_id,
    }


def url_for_rule(app: Flask, rule, people: SimpleNamespace) -> str:
    """Build a concrete URL for a rule with the first client's objects."""
    values = {arg: _arguments(people)[arg] for arg in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values)
