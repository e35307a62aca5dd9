"""Passkeys as the second step: made and used through the real pages, each answer taken once,
bound to our address, and never the only way in left behind by a removal."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from portal.accounts.models import Passkey, RecoveryCode, User, UserSession
from portal.accounts.passkeys import Challenge, authentication_options, check_passkey
from portal.extensions import db
from tests.conftest import make_user, post
from tests.passkey_device import Device, options_on
from tests.two_factor import codes_on, secret_on

pytestmark = pytest.mark.usefixtures("clinic_clock")
ORIGIN = "https://portal.example.org"  # PUBLIC_URL in the tests: the relying party follows it


def password_step(client, email):
    response = post(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302
    return response


def make_passkey(client, device: Device, name="My phone", page="/settings/two-step"):
    options = options_on(client.get(page).get_data(as_text=True), "create")
    return post(client, "/settings/passkeys", {"credential": device.create(options), "name": name})


def passkey_step(client, device: Device, **answer):
    html = client.get("/login/verify").get_data(as_text=True)
    assert "Use your passkey" in html
    return post(
        client,
        "/login/passkey",
        {"credential": device.get(options_on(html, "get"), **answer)},
        follow_redirects=False,
    )


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


@pytest.fixture
def enrolled(app, client):
    """A counselor whose first second factor is a passkey, signed out again."""
    staff = make_user(app, "staff", name="Casey Counselor")
    device = Device(ORIGIN)
    password_step(client, staff.email)
    response = make_passkey(client, device)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(codes_on(response.get_data(as_text=True))) == 10  # shown once, like the app's
    post(client, "/logout")
    return staff, device


def test_a_counselors_first_passkey_is_their_second_factor(app, enrolled):
    staff, _device = enrolled
    with app.app_context():
        user = db.session.get(User, staff.id)
        assert user.has_second_factor
        (passkey,) = db.session.scalars(select(Passkey))
        assert passkey.name == "My phone" and passkey.sign_count == 1
    assert count(app, RecoveryCode, user_id=staff.id) == 10


def test_signing_in_with_the_passkey_after_the_password(app, client, enrolled):
    staff, device = enrolled
    password_step(client, staff.email)
    response = passkey_step(client, device)
    assert response.status_code == 302 and response.location.endswith("/care/")
    assert client.get("/care/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Passkey.last_used_at)) is not None


@pytest.mark.parametrize(
    "answer",
    [{"origin": "https://portal.example.evil"}, {"rp_id": "example.evil"}],
    ids=["another-site", "another-relying-party"],
)
def test_an_answer_made_for_another_site_is_refused(app, client, enrolled, answer):
    staff, device = enrolled
    password_step(client, staff.email)
    response = passkey_step(client, device, **answer)
    assert response.status_code == 401
    assert "That did not work" in response.get_data(as_text=True)
    assert client.get("/care/", follow_redirects=False).status_code == 302  # not signed in


def test_another_persons_passkey_does_not_open_this_account(app, client, enrolled):
    _staff, device = enrolled
    other = make_user(app, "staff", name="Other Counselor")
    password_step(client, other.email)
    make_passkey(client, Device(ORIGIN))
    post(client, "/logout")
    password_step(client, other.email)
    html = client.get("/login/verify").get_data(as_text=True)
    answer = device.get(options_on(html, "get"))  # Casey's passkey, Other's sign-in
    response = post(client, "/login/passkey", {"credential": answer})
    assert response.status_code == 401


def test_an_answer_is_taken_once_and_a_stale_ceremony_not_at_all(app, enrolled, clinic_clock):
    staff, device = enrolled
    now = clinic_clock.now()
    with app.test_request_context(base_url=ORIGIN):
        user = db.session.get(User, staff.id)
        options, challenge = authentication_options(user, now)
        import json

        answer = device.get(json.loads(options))
        assert check_passkey(user, answer, challenge, now + timedelta(seconds=5))
        # The same answer again (a copy, with the same challenge): refused.
        assert not check_passkey(user, answer, challenge, now + timedelta(seconds=6))
        options, challenge = authentication_options(user, now)
        answer = device.get(json.loads(options))
        later = now + timedelta(minutes=6)
        assert not check_passkey(user, answer, challenge, later)
        assert not check_passkey(user, answer, None, now)
        forged = Challenge(challenge.value, (now + timedelta(minutes=1)).timestamp())
        assert not check_passkey(user, answer, forged, now)  # issued after now: not ours


@pytest.mark.parametrize(
    "credential",
    ["", "not json", "[]", '{"id": 5}', '{"id": "x", "response": {}}', "{" * 5000, "\x00"],
)
def test_odd_answers_are_refused_plainly(app, client, enrolled, credential):
    staff, _device = enrolled
    password_step(client, staff.email)
    client.get("/login/verify")
    response = post(client, "/login/passkey", {"credential": credential})
    assert response.status_code == 401


def test_a_passkey_cannot_be_added_twice_or_from_a_made_up_answer(app, client, enrolled):
    staff, device = enrolled
    password_step(client, staff.email)
    passkey_step(client, device)
    response = make_passkey(client, device, page="/settings")  # the same one again
    assert response.status_code == 422
    assert "The passkey was not saved" in response.get_data(as_text=True)
    client.get("/settings")
    response = post(client, "/settings/passkeys", {"credential": "{}", "name": "Laptop"})
    assert response.status_code == 422
    response = post(client, "/settings/passkeys", {"credential": "{}", "name": " "})
    assert response.status_code == 422
    assert "Give it a name" in response.get_data(as_text=True)
    assert count(app, Passkey) == 1


def test_a_second_passkey_ends_other_sessions_and_the_last_cannot_be_removed(
    app, client, enrolled, clinic_clock
):
    staff, device = enrolled
    other_phone = app.test_client()
    password_step(other_phone, staff.email)
    assert passkey_step(other_phone, device).status_code == 302
    clinic_clock.advance(timedelta(seconds=30))  # a ceremony begun after the last use
    password_step(client, staff.email)
    assert passkey_step(client, device).status_code == 302
    with app.app_context():
        (only,) = db.session.scalars(select(Passkey.id))
    response = post(client, f"/settings/passkeys/{only}/remove")
    assert response.status_code == 409
    assert "only way to finish signing in" in response.get_data(as_text=True)
    laptop = Device(ORIGIN)
    response = make_passkey(client, laptop, name="Laptop", page="/settings")
    assert response.status_code == 302
    assert other_phone.get("/care/", follow_redirects=False).status_code == 302  # signed out
    assert count(app, UserSession, user_id=staff.id) == 1
    response = post(client, f"/settings/passkeys/{only}/remove", follow_redirects=True)
    assert "The passkey is removed" in response.get_data(as_text=True)
    assert count(app, Passkey, user_id=staff.id) == 1
    # Someone else's passkey id is not found, whoever asks.
    assert post(client, "/settings/passkeys/999999/remove").status_code == 404


def test_an_administrators_reset_takes_the_passkeys_too(app, client, enrolled, login_as):
    staff, _device = enrolled
    login_as("admin", name="Ada Admin")
    response = post(client, f"/care/staff/{staff.id}/two-step/reset", follow_redirects=True)
    assert response.status_code == 200
    assert count(app, Passkey) == 0


def page_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("factor", ["passkey", "authenticator app"])
def test_the_recovery_codes_page_signs_out_with_its_own_token(app, client, factor):
    """The page shown once after a new factor ends the old session and starts a new one; its
    "Sign out" button must work (its token once belonged to the ended session)."""
    staff = make_user(app, "staff")
    password_step(client, staff.email)
    if factor == "passkey":
        response = make_passkey(client, Device(ORIGIN))
    else:
        html = client.get("/settings/two-step").get_data(as_text=True)
        code = pyotp.TOTP(secret_on(html)).now()
        response = post(client, "/settings/two-step", {"code": code})
    assert response.status_code == 200
    token = page_token(response.get_data(as_text=True))
    signed_out = client.post("/logout", data={"csrf_token": token})
    assert signed_out.status_code == 302 and signed_out.location.endswith("/login")
    assert count(app, UserSession, user_id=staff.id) == 0


def test_an_address_that_cannot_have_passkeys_offers_none(app, client):
    """Browsers refuse an IP address as a passkey's site: the demo on 127.0.0.1 offers the app."""
    app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"
    staff = make_user(app, "staff")
    password_step(client, staff.email)
    html = client.get("/settings/two-step").get_data(as_text=True)
    assert "data-passkey-options" not in html and "data-secret" in html
