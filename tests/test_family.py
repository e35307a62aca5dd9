"""Family access under 42 CFR Part 2: a full consent, the invitation, a narrow view, revoking."""

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.family.consent import (
    ConsentIncomplete,
    accept,
    draft_consent,
    find_invitation,
    invite,
    missing_elements,
    sign_consent,
)
from portal.family.models import ConsentGrant
from portal.timeutil import utcnow
from tests.conftest import PASSWORD, make_user, post, sign_in
from tests.routes import make_people


def client_obj(app, user_id):
    return db.session.get(User, user_id)


def test_a_consent_holds_every_element_of_section_2_31(app):
    person = make_user(app, "client", name="Alex Client")
    with app.app_context(), app.test_request_context():
        grant = sign_consent(
            client_obj(app, person.id),
            "Pat Parent",
            "Mother",
            "Pat@Example.org",
            date.today() + timedelta(days=30),
            "Alex Client",
        )
        text = grant.text
        for words in (
            "Alex Client",
            "Harbor Street Outpatient Program",
            "Pat Parent",
            "the dates, times and locations of family therapy sessions that include you",
            "at my request",
            "revoke",
            "in writing, here in the app",
            "does not undo what was already shared",
            "ends at the end of the day on",
            "Signed: Alex Client",
        ):
            assert words in text, words
        assert grant.recipient_email == "pat@example.org"
        assert missing_elements(grant) == []


@pytest.mark.parametrize(
    "field",
    [
        "client_name",
        "discloser",
        "disclosed",
        "recipient_name",
        "purpose",
        "expiry_text",
        "signature",
    ],
)
def test_a_consent_missing_any_element_cannot_be_saved(app, field):
    person = make_user(app, "client", name="Alex Client")
    with app.app_context(), app.test_request_context():
        grant = draft_consent(
            client_obj(app, person.id),
            "Pat Parent",
            "Mother",
            "pat@example.org",
            date.today() + timedelta(days=30),
            "Alex Client",
        )
        setattr(grant, field, "")
        assert missing_elements(grant)
        grant = draft_consent(
            client_obj(app, person.id),
            "Pat Parent",
            "Mother",
            "pat@example.org",
            date.today() + timedelta(days=30),
            "Alex Client",
        )
        grant.text = grant.text.replace(getattr(grant, field), "")
        assert missing_elements(grant)
    with app.app_context(), app.test_request_context():
        with pytest.raises(ConsentIncomplete):
            sign_consent(
                client_obj(app, person.id),
                "Pat Parent",
                "Mother",
                "pat@example.org",
                date.today() + timedelta(days=30),
                "",
            )
        assert db.session.scalar(select(func.count()).select_from(ConsentGrant)) == 0


def test_an_invitation_works_once_for_seven_days_by_link_or_code(app):
    person = make_user(app, "client")
    family = make_user(app, "family")
    with app.app_context(), app.test_request_context():
        grant = sign_consent(
            client_obj(app, person.id),
            "Pat",
            "Mother",
            "pat@example.org",
            date.today() + timedelta(days=30),
            "Alex",
        )
        token, code = invite(grant)
        assert find_invitation(token) is not None
        assert find_invitation(f"{code[:5].lower()}-{code[5:]}") is not None
        invitation = find_invitation(token)
        assert invitation.expires_at - invitation.created_at == timedelta(days=7)
        assert find_invitation(token, now=utcnow() + timedelta(days=7, seconds=1)) is None
        accept(invitation, client_obj(app, family.id))
        assert find_invitation(token) is None and find_invitation(code) is None
        new_token, _ = invite(grant)
        grant.revoked_at = utcnow()
        db.session.commit()
        assert find_invitation(new_token) is None


def test_the_whole_path_over_http(app):
    people = make_people(app)  # for the counselor and a family session to put the parent on
    client = app.test_client()
    sign_in(client, people.client.email)
    step1 = post(
        client,
        "/family/consents/new",
        {
            "step": "review",
            "recipient_name": "Robin Parent",
            "relationship": "Father",
            "email": "robin@example.org",
            "expires_on": (date.today() + timedelta(days=40)).isoformat(),
        },
    )
    assert step1.status_code == 200
    assert "Read and sign" in step1.get_data(as_text=True)
    assert "Robin Parent" in step1.get_data(as_text=True)
    unsigned = post(
        client,
        "/family/consents/new",
        {
            "step": "sign",
            "recipient_name": "Robin Parent",
            "relationship": "Father",
            "email": "robin@example.org",
            "expires_on": (date.today() + timedelta(days=40)).isoformat(),
        },
    )
    assert unsigned.status_code == 422
    assert "Type your full name to sign." in unsigned.get_data(as_text=True)
    assert "Tick the box to agree." in unsigned.get_data(as_text=True)
    signed = post(
        client,
        "/family/consents/new",
        {
            "step": "sign",
            "recipient_name": "Robin Parent",
            "relationship": "Father",
            "email": "robin@example.org",
            "expires_on": (date.today() + timedelta(days=40)).isoformat(),
            "signature": "Alex Client",
            "agree": "y",
        },
    )
    assert signed.status_code == 201
    html = signed.get_data(as_text=True)
    link = re.search(r"https?://[^/]+(/family/join/[^<\s]+)", html).group(1)
    assert re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}", html)

    parent = app.test_client()
    page = parent.get(link)
    assert page.status_code == 200 and "robin@example.org" in page.get_data(as_text=True)
    joined = post(
        parent,
        link,
        {
            "name": "Robin Parent",
            "email": "robin@example.org",
            "password": "robin has a long walk",
            "confirm": "robin has a long walk",
        },
    )
    assert joined.status_code == 302 and joined.location == "/family/"
    assert app.test_client().get(link).status_code == 410  # used

    with app.app_context():
        grant = db.session.scalar(
            select(ConsentGrant).where(ConsentGrant.recipient_name == "Robin Parent")
        )
        robin = db.session.scalar(select(User).where(User.email == "robin@example.org"))
        assert grant.family_id == robin.id and robin.role == "family"
        from portal.schedule.models import SeriesFamilyMember

        db.session.add(SeriesFamilyMember(series_id=people.family_series_id, family_id=robin.id))
        db.session.commit()
        grant_id, robin_id = grant.id, robin.id
    home = parent.get("/family/").get_data(as_text=True)
    assert 'class="session-row' in home and "With Alex" in home
    refused = post(client, f"/family/consents/{grant_id}/revoke", {})
    assert refused.status_code == 422
    assert post(client, f"/family/consents/{grant_id}/revoke", {"confirm": "y"}).status_code == 302
    home = parent.get("/family/").get_data(as_text=True)
    assert 'class="session-row' not in home and "nothing to show" in home
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.consent_id == grant_id))
        assert [(e.actor_id, e.what, e.action) for e in events] == [
            (robin_id, "family.sessions", "disclose")
        ]
    who_saw = client.get("/family/disclosures").get_data(as_text=True)
    assert "Robin Parent" in who_saw and "Saw the family-session dates" in who_saw


@pytest.mark.parametrize(
    ("role", "sees_family_session"),
    [
        ("family", True),
        ("family_revoked", False),
        ("family_expired", False),
        ("family_other", False),
        ("client", True),
        ("other_client", False),
    ],
)
def test_family_sessions_by_consent_object_ids_included(app, role, sees_family_session):
    people = make_people(app)
    browser = app.test_client()
    sign_in(browser, getattr(people, role).email)
    url = f"/calendar/{people.family_series_id}/{people.family_key}"
    page = browser.get(url)
    assert (page.status_code == 200) is sees_family_session
    notice = post(browser, url + "/notice", {"kind": "cant_make_it"})
    assert (notice.status_code == 302) is sees_family_session
    # Other things of the client are never visible to family, whatever the consent says.
    if role.startswith("family"):
        for path in (
            "/today",
            "/progress",
            "/calendar",
            f"/calendar/{people.series_id}/{people.key}",
            f"/family/consents/{people.consent_id}",
            "/support-contacts",
        ):
            assert browser.get(path).status_code in (302, 404), path


@pytest.mark.parametrize(
    ("role", "expected_events"),
    [("family", "some"), ("family_revoked", 0), ("family_expired", 0), ("family_other", "theirs")],
)
def test_family_feed_follows_consent(app, role, expected_events):
    people = make_people(app)
    browser = app.test_client()
    sign_in(browser, getattr(people, role).email)
    post(browser, "/settings/calendar-feed/new")
    html = browser.get("/settings").get_data(as_text=True)
    url = re.search(r"<code>https?://[^/]+(/feeds/[^<]+\.ics)</code>", html).group(1)
    body = app.test_client().get(url).get_data()
    events = Calendar.from_ical(body).walk("VEVENT")
    if expected_events == "some":
        assert events and {str(e["SUMMARY"]) for e in events} == {"Appointment"}
        with app.app_context():
            audit = db.session.scalars(select(AuditEvent).where(AuditEvent.what == "family.feed"))
            assert [e.consent_id for e in audit]
        assert {str(e["UID"]).split("-")[0] for e in events} == {str(people.family_series_id)}
    elif expected_events == "theirs":  # linked to the other client: only that client's sessions
        assert {str(e["UID"]).split("-")[0] for e in events} == {str(people.other_family_series_id)}
    else:
        assert events == []


def test_revoking_drops_the_sessions_from_the_feed_on_the_next_fetch(app):
    people = make_people(app)
    family = app.test_client()
    sign_in(family, people.family.email)
    post(family, "/settings/calendar-feed/new")
    html = family.get("/settings").get_data(as_text=True)
    url = re.search(r"<code>https?://[^/]+(/feeds/[^<]+\.ics)</code>", html).group(1)
    assert Calendar.from_ical(app.test_client().get(url).get_data()).walk("VEVENT")
    with app.app_context():
        grant = db.session.scalar(
            select(ConsentGrant).where(ConsentGrant.family_id == people.family.id)
        )
        grant.revoked_at = utcnow()
        db.session.commit()
    assert Calendar.from_ical(app.test_client().get(url).get_data()).walk("VEVENT") == []


def test_sessions_after_the_consent_ends_are_not_shown(app):
    people = make_people(app)
    with app.app_context():
        grant = db.session.scalar(
            select(ConsentGrant).where(ConsentGrant.family_id == people.family.id)
        )
        grant.expires_at = utcnow() + timedelta(days=3)
        db.session.commit()
    family = app.test_client()
    sign_in(family, people.family.email)
    html = family.get("/family/").get_data(as_text=True)
    assert 1 <= html.count('class="session-row') <= 4


def test_the_care_team_sees_consents_and_only_consented_family_on_bookings(app):
    people = make_people(app)
    staff = app.test_client()
    sign_in(staff, people.staff.email)
    page = staff.get(f"/care/clients/{people.client.id}").get_data(as_text=True)
    assert "Fam Member" in page and "Stopped" in page and "Ended" in page
    form = staff.get(f"/care/clients/{people.client.id}/sessions/new").get_data(as_text=True)
    assert "Fam Member" in form
    assert "Fam Revoked" not in form and "Fam Expired" not in form and "Fam Other" not in form


def test_joining_with_an_email_in_use_or_a_bad_code_explains(app):
    people = make_people(app)
    with app.app_context(), app.test_request_context():
        grant = db.session.get(ConsentGrant, people.consent_id)
        token, _code = invite(grant)
    browser = app.test_client()
    response = post(
        browser,
        f"/family/join/{token}",
        {
            "name": "Someone",
            "email": people.family.email,
            "password": "a long pass phrase",
            "confirm": "a long pass phrase",
        },
    )
    assert response.status_code == 422 and "Sign in first" in response.get_data(as_text=True)
    bad = post(browser, "/family/join", {"code": "ZZZZZ-ZZZZZ"})
    assert bad.status_code == 422 and "does not work" in bad.get_data(as_text=True)


def test_an_existing_family_account_links_a_second_client(app):
    people = make_people(app)
    with app.app_context(), app.test_request_context():
        grant = db.session.get(ConsentGrant, people.consent_id)
        token, _code = invite(grant)
    family = app.test_client()
    sign_in(family, people.family_other.email, PASSWORD)
    assert family.get(f"/family/join/{token}").status_code == 200
    assert post(family, f"/family/join/{token}").status_code == 302
    with app.app_context():
        assert db.session.get(ConsentGrant, people.consent_id).family_id == people.family_other.id
    staff_browser = app.test_client()
    sign_in(staff_browser, people.staff.email)
    with app.app_context(), app.test_request_context():
        token2, _ = invite(db.session.get(ConsentGrant, people.consent_id))
    assert staff_browser.get(f"/family/join/{token2}").status_code in (409, 410)
