"""The care team's side: creating accounts, the client list, the audit log of their views."""

from sqlalchemy import func, select

from portal.accounts.models import SetupLink, User
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.conftest import make_user, post


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_bad_input_for_a_new_client_is_explained_and_nothing_is_stored(app, client, login_as):
    staff = login_as("staff")
    before = count(app, User)
    response = post(
        client, "/care/clients/new", {"name": "", "email": "not-an-email", "counselor_id": staff.id}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and "Enter a name." in html
    assert 'id="email-error"' in html and 'aria-invalid="true"' in html
    assert count(app, User) == before
    assert count(app, SetupLink) == 0


def test_an_email_in_use_is_refused_in_any_letter_case(app, client, login_as):
    staff = login_as("staff")
    make_user(app, "client", email="taken@example.org")
    response = post(
        client,
        "/care/clients/new",
        {"name": "Someone", "email": "Taken@Example.org", "counselor_id": staff.id},
    )
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_an_unknown_counselor_is_refused(app, client, login_as):
    login_as("staff")
    response = post(
        client,
        "/care/clients/new",
        {"name": "Someone", "email": "someone@example.org", "counselor_id": 999999},
    )
    assert response.status_code == 422


def test_a_client_cannot_be_given_a_client_as_counselor(app, client, login_as):
    login_as("staff")
    other = make_user(app, "client")
    response = post(
        client,
        "/care/clients/new",
        {"name": "Someone", "email": "someone@example.org", "counselor_id": other.id},
    )
    assert response.status_code == 422


def test_viewing_a_client_is_written_to_the_audit_log(app, client, login_as):
    staff = login_as("staff")
    person = make_user(app, "client", name="Audited Person")
    assert client.get(f"/care/clients/{person.id}").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert (event.actor_id, event.client_id, event.action, event.what) == (
            staff.id,
            person.id,
            "view",
            "client.account",
        )


def test_a_client_seeing_their_own_pages_is_not_a_disclosure(app, client, login_as):
    login_as("client")
    for path in ("/today", "/settings", "/support-contacts", "/help"):
        client.get(path)
    assert count(app, AuditEvent) == 0


def test_client_search_answers_htmx_with_just_the_list(app, client, login_as):
    login_as("staff")
    make_user(app, "client", name="Robin Finder")
    make_user(app, "client", name="Kim Other")
    page = client.get("/care/?q=robin")
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get("/care/?q=robin", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="client-list"')
    assert "Robin Finder" in html and "Kim Other" not in html
    assert "<html" not in html


def test_only_admins_add_care_team_members(app, client, login_as):
    login_as("admin")
    response = post(
        client, "/care/staff/new", {"name": "New Counselor", "email": "newc@example.org"}
    )
    assert response.status_code == 201
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == "newc@example.org"))
        assert member.role == "staff" and not member.is_admin


def test_a_new_setup_link_for_a_client_replaces_the_old(app, client, login_as):
    login_as("staff")
    person = make_user(app, "client", password=None)
    first = post(client, f"/care/clients/{person.id}/setup-link")
    second = post(client, f"/care/clients/{person.id}/setup-link")
    assert first.status_code == second.status_code == 201
    old = first.get_data(as_text=True).split("/setup/")[1].split("<")[0]
    assert app.test_client().get(f"/setup/{old}").status_code == 410
