"""Family access under 42 CFR Part 2: a full consent, the invitation bound to its recipient,
a narrow view carrying the section 2.32 notice, revoking."""

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.consent.models import ConsentGrant
from portal.consent.text import missing_elements
from portal.extensions import db
from portal.family.invitations import (
    ConsentIncomplete,
    accept,
    draft_consent,
    find_invitation,
    invite,
    sign_consent,
)
from portal.schedule.occurrences import find_occurrence
from portal.schedule.rules import cancel_occurrence
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import PASSWORD, make_user, post, sign_in
from tests.routes import make_people

# Every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
LAST_DAY = date(2027, 2, 1)
NOTICE_START = "This record which has been disclosed to you is protected by federal confidentiality"


def client_obj(app, user_id):
    return db.session.get(User, user_id)


def _draft(app, person, signature="Alex Client", **kwargs):
    return draft_consent(
        client_obj(app, person.id),
        "Pat Parent",
        "Mother",
        "Pat@Example.org",
        LAST_DAY,
        signature,
        NOW,
        **kwargs,
    )


def test_a_consent_holds_every_element_of_section_2_31(app):
    person = make_user(app, "client", name="Alex Client")
    with app.app_context(), app.test_request_context():
        grant = sign_consent(
            client_obj(app, person.id),
            "Pat Parent",
            "Mother",
            "Pat@Example.org",
            LAST_DAY,
            "Alex Client",
            NOW,
        )
        text = grant.text
        for words in (
            "I, Alex Client, allow Harbor Street Outpatient Program to share",
            "the dates, times and places (or video links) of the family therapy sessions "
            "Pat Parent is invited to",
            "Harbor Street Outpatient Program is a substance-use treatment program. The "
            "information shared shows that I receive substance-use treatment there.",
            "at my request",
            "in writing, here in the app",
            "does not undo what was already shared",
            "ends at the end of the day on February 1, 2027",
            "If I do not sign, nothing changes in my care.",
            "Signed: Alex Client, on November 23, 2026 at 12:00",
        ):
            assert words in text, words
        assert "sessions that include you" not in text
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # one date format: long, localized
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
        grant = _draft(app, person)
        setattr(grant, field, "")
        assert missing_elements(grant)
        grant = _draft(app, person)
        grant.text = grant.text.replace(getattr(grant, field), "")
        assert missing_elements(grant)
    with app.app_context(), app.test_request_context():
        with pytest.raises(ConsentIncomplete):
            sign_consent(
                client_obj(app, person.id),
                "Pat Parent",
                "Mother",
                "pat@example.org",
                LAST_DAY,
                "",
                NOW,
            )
        assert db.session.scalar(select(func.count()).select_from(ConsentGrant)) == 0


@pytest.mark.parametrize(
    ("signature", "representative", "ok"),
    [
        ("Alex Client", ("", ""), True),
        ("  alex   CLIENT ", ("", ""), True),
        ("zz", ("", ""), False),
        ("Alex", ("", ""), False),
        ("Jordan Guardian", ("Jordan Guardian", "Legal guardian"), True),
        ("Alex Client", ("Jordan Guardian", "Legal guardian"), False),
        ("zz", ("zz", "Mother"), False),
    ],
)
def test_the_signature_is_the_signers_full_name(app, signature, representative, ok):
    person = make_user(app, "client", name="Alex Client")
    with app.app_context(), app.test_request_context():
        grant = _draft(app, person, signature, representative=representative)
        assert (missing_elements(grant) == []) is ok
        if ok and representative[0]:
            assert (
                "Signed for Alex Client by Jordan Guardian (Legal guardian, authorized to sign "
                "for them)" in grant.text
            )


def test_an_invitation_works_once_for_seven_days_by_link_or_code(app):
    person = make_user(app, "client", name="Alex Client")
    family = make_user(app, "family")
    with app.app_context(), app.test_request_context():
        grant = sign_consent(
            client_obj(app, person.id),
            "Pat",
            "Mother",
            "pat@example.org",
            LAST_DAY,
            "Alex Client",
            NOW,
        )
        token, code = invite(grant, NOW)
        assert find_invitation(token, NOW) is not None
        assert find_invitation(f"{code[:5].lower()}-{code[5:]}", NOW) is not None
        invitation = find_invitation(token, NOW)
        assert invitation.expires_at - invitation.created_at == timedelta(days=7)
        assert find_invitation(token, NOW + timedelta(days=7, seconds=1)) is None
        accept(invitation, client_obj(app, family.id), NOW)
        assert find_invitation(token, NOW) is None and find_invitation(code, NOW) is None
        new_token, _ = invite(grant, NOW)
        grant.revoked_at = NOW
        db.session.commit()
        assert find_invitation(new_token, NOW) is None


def _sign_up_to_invitation(app, people):
    """Sign a consent for Robin through the pages; return the client's browser, link and code."""
    client = app.test_client()
    sign_in(client, people.client.email)
    fields = {
        "recipient_name": "Robin Parent",
        "relationship": "Father",
        "email": "robin@example.org",
        "expires_on": (utcnow().date() + timedelta(days=40)).isoformat(),
    }
    step1 = post(client, "/family/consents/new", {"step": "review", **fields})
    assert step1.status_code == 200
    assert "Read and sign" in step1.get_data(as_text=True)
    assert "shows that I receive substance-use treatment" in step1.get_data(as_text=True)
    unsigned = post(client, "/family/consents/new", {"step": "sign", **fields})
    assert unsigned.status_code == 422
    assert "Type your full name to sign." in unsigned.get_data(as_text=True)
    assert "Tick the box to agree." in unsigned.get_data(as_text=True)
    zz = post(
        client, "/family/consents/new", {"step": "sign", **fields, "signature": "zz", "agree": "y"}
    )
    assert zz.status_code == 422
    assert "Type the full name exactly as it is written: Alex Client." in zz.get_data(as_text=True)
    signed = post(
        client,
        "/family/consents/new",
        {"step": "sign", **fields, "signature": "Alex Client", "agree": "y"},
    )
    assert signed.status_code == 201
    html = signed.get_data(as_text=True)
    link = re.search(r"https?://[^/]+(/family/join/[^<\s\"]+)", html).group(1)
    code = re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}", html).group(0)
    return client, link, code


def _join(browser, url, proof):
    password = "robin has a long walk"
    return post(browser, url, {"proof": proof, "password": password, "confirm": password})


def test_the_whole_path_over_http(app):
    people = make_people(app)  # for the counselor and a family session to put the parent on
    client, link, code = _sign_up_to_invitation(app, people)

    parent = app.test_client()
    page = parent.get(link)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Robin Parent" in body
    assert "robin@example.org" not in body  # the email is what proves the person: never shown
    assert 'name="name"' not in body and 'name="email"' not in body  # not editable
    joined = _join(parent, link, code)
    assert joined.status_code == 302 and joined.location == "/family/"
    assert app.test_client().get(link).status_code == 410  # used

    with app.app_context():
        grant = db.session.scalar(
            select(ConsentGrant).where(ConsentGrant.recipient_name == "Robin Parent")
        )
        robin = db.session.scalar(select(User).where(User.email == "robin@example.org"))
        assert grant.family_id == robin.id and robin.role == "family"
        assert robin.name == "Robin Parent"
        from portal.schedule.models import SeriesFamilyMember

        db.session.add(SeriesFamilyMember(series_id=people.family_series_id, family_id=robin.id))
        db.session.commit()
        grant_id, robin_id = grant.id, robin.id
    home = parent.get("/family/").get_data(as_text=True)
    assert 'class="session-row' in home and "With Alex" in home
    assert NOTICE_START in home and "42 CFR part 2" in home
    copy = parent.get(f"/family/consents/{grant_id}/copy").get_data(as_text=True)
    assert "I, Alex Client, allow" in copy and NOTICE_START in copy
    refused = post(client, f"/family/consents/{grant_id}/revoke", {})
    assert refused.status_code == 422
    assert post(client, f"/family/consents/{grant_id}/revoke", {"confirm": "y"}).status_code == 302
    home = parent.get("/family/").get_data(as_text=True)
    assert 'class="session-row' not in home and "nothing to show" in home
    assert NOTICE_START not in home  # nothing disclosed, so no notice either
    assert parent.get(f"/family/consents/{grant_id}/copy").status_code == 404
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.consent_id == grant_id).order_by(AuditEvent.id)
        )
        assert [(e.actor_id, e.what, e.action) for e in events] == [
            (robin_id, "family.sessions", "disclose"),
            (robin_id, "family.consent", "disclose"),
        ]
    who_saw = client.get("/family/disclosures").get_data(as_text=True)
    assert "Robin Parent" in who_saw and "Saw the family-session dates" in who_saw


@pytest.mark.parametrize(
    ("how", "proof"),
    [
        ("link", "someone.else@example.org"),
        ("link", "ZZZZZ-ZZZZZ"),
        ("link", "Robin Parent"),
        ("code", "CODE"),  # the code cannot prove itself: the email is needed
        ("code", "someone.else@example.org"),
    ],
)
def test_accepting_with_something_the_recipient_does_not_have_is_refused_and_logged(
    app, caplog, how, proof
):
    people = make_people(app)
    _client, link, code = _sign_up_to_invitation(app, people)
    url = link if how == "link" else "/family/join/" + code.replace("-", "")
    stranger = app.test_client()
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        refused = _join(stranger, url, code if proof == "CODE" else proof)
    assert refused.status_code == 422
    assert "That does not match this invitation." in refused.get_data(as_text=True)
    assert any("invitation proof refused" in r.getMessage() for r in caplog.records)
    assert not any("robin" in r.getMessage().lower() for r in caplog.records)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "robin@example.org")) is None
        grant = db.session.scalar(
            select(ConsentGrant).where(ConsentGrant.recipient_name == "Robin Parent")
        )
        assert grant.family_id is None
    # The right proof still works afterwards: a mistake does not spend the invitation.
    assert _join(stranger, url, "Robin@Example.org ").status_code == 302


def test_the_code_route_then_the_invited_email_joins(app):
    people = make_people(app)
    _client, _link, code = _sign_up_to_invitation(app, people)
    parent = app.test_client()
    typed = post(parent, "/family/join", {"code": code.lower()})
    assert typed.status_code == 302
    page = parent.get(typed.location).get_data(as_text=True)
    assert "The email this invitation was sent to" in page
    assert _join(parent, typed.location, "robin@example.org").status_code == 302


def test_a_signed_in_family_account_that_is_not_the_recipient_is_refused(app, caplog):
    people = make_people(app)
    with app.app_context(), app.test_request_context():
        grant = db.session.get(ConsentGrant, people.consent_id)  # for "Aunt Pending"
        token, _code = invite(grant, utcnow())
    other = app.test_client()
    sign_in(other, people.family_other.email, PASSWORD)
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        page = other.get(f"/family/join/{token}")
        taken = post(other, f"/family/join/{token}")
    assert page.status_code == 403 and taken.status_code == 403
    assert "This invitation is for someone else" in page.get_data(as_text=True)
    assert any("invitation account mismatch" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert db.session.get(ConsentGrant, people.consent_id).family_id is None


def test_checking_codes_by_get_is_rate_limited_like_post(app):
    browser = app.test_client()
    answers = [browser.get("/family/join/ABCDEFGHJK").status_code for _ in range(21)]
    assert answers[:20] == [410] * 20 and answers[20] == 429


def test_family_see_only_the_note_written_for_them(app):
    people = make_people(app)
    with app.app_context(), app.test_request_context():
        from portal.schedule.models import SessionSeries
        from portal.schedule.occurrences import parse_key

        series = db.session.get(SessionSeries, people.family_series_id)
        item = find_occurrence(series, parse_key(people.family_key), clinic_zone())
        staff = db.session.get(User, people.staff.id)
        cancel_occurrence(
            item, staff, "Clinic closed for staff training", "See you next week", now=utcnow()
        )
    url = f"/calendar/{people.family_series_id}/{people.family_key}"
    family = app.test_client()
    sign_in(family, people.family.email)
    page = family.get(url).get_data(as_text=True)
    assert "See you next week" in page and "staff training" not in page
    client = app.test_client()
    sign_in(client, people.client.email)
    assert "Clinic closed for staff training" in client.get(url).get_data(as_text=True)


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
        notice = str(Calendar.from_ical(body)["X-WR-CALDESC"])
        assert notice.startswith(NOTICE_START)
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


def _invite_pending_aunt(app, people, email: str | None = None) -> str:
    """Invite the pending consent's recipient, at `email` if given; return the link token."""
    with app.app_context(), app.test_request_context():
        grant = db.session.get(ConsentGrant, people.consent_id)
        if email:
            grant.recipient_email = email
        token, _code = invite(grant, utcnow())
        return token


def test_joining_with_an_email_in_use_or_a_bad_code_explains(app):
    people = make_people(app)
    with app.app_context():
        email = db.session.get(User, people.family.id).email
    token = _invite_pending_aunt(app, people, email)
    browser = app.test_client()
    response = post(
        browser,
        f"/family/join/{token}",
        {"proof": email, "password": "a long pass phrase", "confirm": "a long pass phrase"},
    )
    assert response.status_code == 422 and "Sign in first" in response.get_data(as_text=True)
    bad = post(browser, "/family/join", {"code": "ZZZZZ-ZZZZZ"})
    assert bad.status_code == 422 and "does not work" in bad.get_data(as_text=True)


def test_an_existing_family_account_links_a_second_client(app):
    people = make_people(app)
    with app.app_context():
        email = db.session.get(User, people.family_other.id).email
    token = _invite_pending_aunt(app, people, email)
    family = app.test_client()
    sign_in(family, people.family_other.email, PASSWORD)
    assert family.get(f"/family/join/{token}").status_code == 200
    assert post(family, f"/family/join/{token}").status_code == 302
    with app.app_context():
        assert db.session.get(ConsentGrant, people.consent_id).family_id == people.family_other.id
    staff_browser = app.test_client()
    sign_in(staff_browser, people.staff.email)
    token2 = _invite_pending_aunt(app, people)
    assert staff_browser.get(f"/family/join/{token2}").status_code in (409, 410)


def _argon2_work(monkeypatch) -> list[str]:
    """Count Argon2 hashes and verifications: the work that sets a request's timing."""
    import argon2

    calls = []
    for name in ("hash", "verify"):
        real = getattr(argon2.PasswordHasher, name)
        monkeypatch.setattr(
            argon2.PasswordHasher,
            name,
            lambda self, *a, _real=real, _name=name: calls.append(_name) or _real(self, *a),
        )
    return calls


@pytest.mark.parametrize("case", ["no such invitation", "not the recipient", "the recipient"])
def test_joining_takes_the_same_password_work_whatever_the_answer(app, monkeypatch, case):
    """A dead link or a wrong email answers no faster than making the account does."""
    people = make_people(app)
    token = _invite_pending_aunt(app, people)
    with app.app_context():
        grant = db.session.get(ConsentGrant, people.consent_id)
        email = grant.recipient_email
    url = "/family/join/" + ("x" * 32 if case == "no such invitation" else token)
    proof = "someone.else@example.org" if case == "not the recipient" else email
    browser = app.test_client()
    browser.get(url)  # the form's CSRF token, before counting
    calls = _argon2_work(monkeypatch)
    response = _join(browser, url, proof)
    assert response.status_code == {"no such invitation": 410, "not the recipient": 422}.get(
        case, 302
    )
    assert len(calls) == 1
