"""Walk every route of the app as each kind of person: the basis of the access tests."""

from types import SimpleNamespace

from flask import Flask

from portal.accounts.models import User
from portal.extensions import db
from portal.recovery_plan.contacts import add_contact
from tests.conftest import make_user, sign_in
from tests.meeting_feeds import make_meeting_objects

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
        people.contact_id = add_contact(
            db.session.get(User, people.client.id), "Sponsor", "", "555 010 1111"
        ).id
        people.other_contact_id = add_contact(
            db.session.get(User, people.other_client.id), "Friend", "", "555 010 2222"
        ).id
    make_meeting_objects(app, people)
    return people


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
        "meeting_id": people.meeting_id,
        "personal_meeting_id": people.personal_meeting_id,
        "attendance_id": people.attendance_id,
    }


def url_for_rule(app: Flask, rule, people: SimpleNamespace) -> str:
    """Build a concrete URL for a rule with the first client's objects."""
    values = {arg: _arguments(people)[arg] for arg in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values)
