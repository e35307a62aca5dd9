"""Two-step sign-in: required for the care team, offered to everyone, codes good once."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from portal.accounts.models import RecoveryCode, TotpFactor, User, UserSession
from portal.accounts.second_factor import (
    check_second_factor,
    check_totp,
    confirm_factor,
    matching_step,
    new_secret,
)
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests import two_factor
from tests.conftest import make_user, post, sign_in

# Every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")


def _user(app, user_id) -> User:
    return db.session.get(User, user_id)


def _password_step(client, email):
    return post(client, "/login", {"email": email, "password": "correct horse battery"})


# --- The rules, at fixed instants -----------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "ok"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_a_code_is_taken_within_one_step_of_now(clinic_clock, offset, ok):
    secret, now = new_secret(), clinic_clock.now()
    code = pyotp.TOTP(secret).at(now, counter_offset=offset)
    assert (matching_step(secret, code, now) is not None) == ok


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_match_nothing(clinic_clock, code):
    assert matching_step(new_secret(), code, clinic_clock.now()) is None


def test_each_code_is_accepted_once_and_never_an_older_one(app, clinic_clock):
    staff = make_user(app, "staff")
    with app.app_context():
        user, secret, now = _user(app, staff.id), new_secret(), clinic_clock.now()
        totp = pyotp.TOTP(secret)
        assert confirm_factor(user, secret, totp.at(now), now) is not None
        factor = db.session.scalar(select(TotpFactor))
        assert not check_totp(factor, totp.at(now), now)  # the code used to confirm
        assert not check_totp(factor, totp.at(now, counter_offset=-1), now)  # older
        assert check_totp(factor, totp.at(now, counter_offset=1), now)
        clinic_clock.advance(timedelta(seconds=60))
        assert check_totp(factor, totp.at(clinic_clock.now()), clinic_clock.now())


def test_recovery_codes_are_ten_kept_hashed_and_good_once(app, clinic_clock):
    staff = make_user(app, "staff")
    with app.app_context():
        user, secret, now = _user(app, staff.id), new_secret(), clinic_clock.now()
        codes = confirm_factor(user, secret, pyotp.TOTP(secret).at(now), now)
        assert len(set(codes)) == 10
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)
        assert check_second_factor(user, codes[0].upper().replace("-", " "), now)
        assert not check_second_factor(user, codes[0], now)
        assert check_second_factor(user, codes[1], now)


# --- Signing in -----------------------------------------------------------------------------


def test_a_new_staff_member_must_set_up_the_second_step_before_anything_else(app, client):
    staff = make_user(app, "staff")
    response = _password_step(client, staff.email)
    assert response.status_code == 302
    for path in ("/care/", "/settings", "/care/checkins"):
        assert client.get(path).location == "/settings/two-step", path
    assert client.get("/help").status_code == 200
    page = client.get("/settings/two-step").get_data(as_text=True)
    assert "<svg" in page and "data-secret" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TotpFactor)) == 0


def test_a_wrong_code_at_setup_says_so_next_to_the_field_and_keeps_nothing(app, client):
    staff = make_user(app, "staff")
    _password_step(client, staff.email)
    client.get("/settings/two-step")
    response = post(client, "/settings/two-step", {"code": "000000"})
    assert response.status_code == 422
    assert 'id="code-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert _user(app, staff.id).second_factor_at is None


def test_setup_shows_ten_codes_once_then_the_care_pages_open(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    keys = two_factor.authenticators_of(app)[staff.email]
    assert len(keys.recovery_codes) == 10
    assert client.get("/care/").status_code == 200
    assert "recovery codes left" in client.get("/settings").get_data(as_text=True)


def test_signing_in_again_asks_for_a_code_and_the_password_alone_opens_nothing(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    post(client, "/logout")
    response = _password_step(client, staff.email)
    assert response.location == "/login/verify"
    assert client.get("/care/").location.startswith("/login")
    wrong = post(client, "/login/verify", {"code": "000000"})
    assert wrong.status_code == 401
    assert "That code did not work" in wrong.get_data(as_text=True)
    right = two_factor.answer(client, staff.email, post)
    assert right.status_code == 302 and right.location == "/care/"
    assert client.get("/care/").status_code == 200


def test_the_same_code_does_not_sign_in_twice(app, client, clinic_clock):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    secret = two_factor.authenticators_of(app)[staff.email].secret
    code = pyotp.TOTP(secret).at(clinic_clock.now(), counter_offset=1)
    for expected in (302, 401):
        other = app.test_client()
        _password_step(other, staff.email)
        assert post(other, "/login/verify", {"code": code}).status_code == expected


def test_a_recovery_code_signs_in_once(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    code = two_factor.authenticators_of(app)[staff.email].recovery_codes[0]
    for expected in (302, 401):
        other = app.test_client()
        _password_step(other, staff.email)
        assert post(other, "/login/verify", {"code": code}).status_code == expected


def test_the_second_step_waits_five_minutes_for_the_code(app, client, clinic_clock):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    other = app.test_client()
    _password_step(other, staff.email)
    clinic_clock.advance(timedelta(minutes=6))
    response = post(other, "/login/verify", {"code": "123456"})
    assert response.status_code == 302 and response.location.startswith("/login")


def test_next_survives_the_second_step(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    other = app.test_client()
    response = sign_in(other, staff.email, next_url="/care/checkins")
    assert response.location == "/care/checkins"


def test_wrong_codes_are_throttled_like_wrong_passwords(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    other = app.test_client()
    _password_step(other, staff.email)
    statuses = [post(other, "/login/verify", {"code": "000000"}).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    assert "paused for a few minutes" in post(other, "/login/verify", {"code": "1"}).get_data(
        as_text=True
    )
    # The password step of the same account draws on the same allowance.
    assert _password_step(app.test_client(), staff.email).status_code == 429


# --- Changes end sessions, and an administrator can reset -------------------------------------


def _sessions(app, user_id) -> int:
    with app.app_context():
        query = select(func.count()).where(UserSession.user_id == user_id)
        return db.session.scalar(query.select_from(UserSession))


def test_moving_to_a_new_app_signs_out_every_other_device(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    laptop = app.test_client()
    sign_in(laptop, staff.email)
    assert _sessions(app, staff.id) == 2
    two_factor.enrol(client, staff.email, post)
    assert _sessions(app, staff.id) == 1
    assert laptop.get("/care/").location.startswith("/login")
    assert client.get("/care/").status_code == 200


def test_an_administrator_resets_a_lost_phone_audited_and_signed_out(app, client, login_as):
    staff = make_user(app, "staff", name="Sam Lost")
    phone = app.test_client()
    sign_in(phone, staff.email)
    admin = login_as("admin")
    response = post(client, f"/care/staff/{staff.id}/two-step/reset", follow_redirects=True)
    assert "Sam Lost&#39;s two-step sign-in is reset" in response.get_data(as_text=True)
    assert phone.get("/care/").location.startswith("/login")
    with app.app_context():
        member = _user(app, staff.id)
        assert member.second_factor_at is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 10  # admin's
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.client_id == staff.id))
        assert (event.actor_id, event.action) == (admin.id, "reset-2fa")
    again = app.test_client()
    _password_step(again, staff.email)
    assert again.get("/care/").location == "/settings/two-step"


def test_a_counselor_cannot_reset_anyone(app, client, login_as):
    other = make_user(app, "staff")
    sign_in(app.test_client(), other.email)
    login_as("staff")
    assert post(client, f"/care/staff/{other.id}/two-step/reset").status_code == 404
    with app.app_context():
        assert _user(app, other.id).second_factor_at is not None


# --- Offered to clients and family ------------------------------------------------------------


def test_a_client_signs_in_with_a_password_alone_until_they_choose_two_steps(app, client):
    person = make_user(app, "client")
    assert _password_step(client, person.email).location == "/today"
    assert "Set up two-step sign-in" in client.get("/settings").get_data(as_text=True)
    two_factor.enrol(client, person.email, post)
    post(client, "/logout")
    assert _password_step(client, person.email).location == "/login/verify"


def test_a_client_may_turn_it_off_with_a_code_but_the_care_team_may_not(app, client):
    person = make_user(app, "client")
    sign_in(client, person.email)
    keys = two_factor.enrol(client, person.email, post)
    assert post(client, "/settings/two-step/off", {"code": "000000"}).status_code == 422
    response = post(client, "/settings/two-step/off", {"code": keys.code()})
    assert response.status_code == 302
    with app.app_context():
        assert _user(app, person.id).second_factor_at is None
        assert db.session.scalar(select(func.count()).select_from(TotpFactor)) == 0

    staff = make_user(app, "staff")
    desk = app.test_client()
    sign_in(desk, staff.email)
    code = two_factor.authenticators_of(app)[staff.email].code()
    post(desk, "/settings/two-step/off", {"code": code})
    with app.app_context():
        assert _user(app, staff.id).second_factor_at is not None


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, client, clinic_clock):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    keys = two_factor.authenticators_of(app)[staff.email]
    assert post(client, "/settings/two-step/recovery-codes", {"code": "1"}).status_code == 422
    response = post(client, "/settings/two-step/recovery-codes", {"code": keys.code()})
    fresh = two_factor.codes_on(response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(keys.recovery_codes)
    with app.app_context():
        assert not check_second_factor(
            _user(app, staff.id), keys.recovery_codes[0], clinic_clock.now()
        )
