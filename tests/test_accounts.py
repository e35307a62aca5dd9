"""Signing in and out, server-side sessions and their timeouts, passwords, setup links."""

import re
import threading
from datetime import timedelta

import argon2
import pytest
from sqlalchemy import func, select

from portal.accounts.models import SetupLink, User, UserSession
from portal.accounts.passwords import check_password, hash_password, password_problem
from portal.accounts.setup_links import find_valid_link, issue_setup_link
from portal.extensions import db
from portal.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_token, make_user, post, sign_in

# Every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")


def session_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession))


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("client", "/today"),
        ("family", "/family/"),
        ("staff", "/care/"),
    ],
)
def test_each_role_lands_on_its_home_page(app, client, role, home):
    user = make_user(app, role)
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response.location == home
    assert client.get(home).status_code == 200
    assert client.get("/").location == home


def test_wrong_password_says_so_next_to_the_field_and_stores_nothing(app, client):
    user = make_user(app, "client")
    response = sign_in(client, user.email, "wrong password here")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "do not match" in html
    assert 'id="password-error"' in html
    assert session_count(app) == 0


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(app, client):
    make_user(app, "client", email="known@example.test")
    unknown = sign_in(client, "nobody@example.test")
    wrong = sign_in(client, "known@example.test", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert "do not match" in unknown.get_data(as_text=True)


def test_email_is_matched_without_regard_to_case(app, client):
    make_user(app, "client", email="mixed@example.test")
    assert sign_in(client, "  MIXED@Example.test ").status_code == 302


def test_empty_form_gets_messages_and_422(client):
    response = post(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your email." in html and "Enter your password." in html


def test_account_waiting_for_setup_cannot_sign_in(app, client):
    user = make_user(app, "client", password=None)
    assert sign_in(client, user.email, "").status_code == 422
    assert sign_in(client, user.email, "anything at all").status_code == 401


def test_deactivated_account_cannot_sign_in(app, client):
    user = make_user(app, "client")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert sign_in(client, user.email).status_code == 401


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/settings", "/settings"),
        ("https://evil.example/", "/today"),
        ("//evil.example/", "/today"),
        ("/\\evil.example", "/today"),
        ("javascript:alert(1)", "/today"),
    ],
)
def test_next_only_goes_to_local_pages(app, client, target, expected):
    user = make_user(app, "client")
    response = post(client, "/login?next=" + target, {"email": user.email, "password": PASSWORD})
    assert response.location == expected


def test_protected_page_sends_anonymous_people_to_sign_in_and_back(app, client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/settings")


def test_session_id_changes_at_sign_in(app, client):
    user = make_user(app, "client")
    client.get("/login")
    before = client.get_cookie("portal_session").value
    sign_in(client, user.email)
    after = client.get_cookie("portal_session").value
    assert before != after
    with client.session_transaction() as s:
        assert len(s["sid"]) >= 43  # 32 random bytes


def test_old_cookie_replayed_after_logout_does_not_work(app, client):
    user = make_user(app, "client")
    sign_in(client, user.email)
    stolen = client.get_cookie("portal_session").value
    response = post(client, "/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert session_count(app) == 0
    replay = app.test_client()
    replay.set_cookie("portal_session", stolen)
    assert replay.get("/today").status_code == 302


def test_idle_timeout_signs_out_and_says_why(app, client):
    user = make_user(app, "client")
    sign_in(client, user.email)
    assert client.get("/today").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        row.last_seen_at = utcnow() - timedelta(minutes=31)
        db.session.commit()
    response = client.get("/today")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "without activity" in page
    assert session_count(app) == 0


def test_activity_keeps_a_session_alive(app, client):
    user = make_user(app, "client")
    sign_in(client, user.email)
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        row.last_seen_at = utcnow() - timedelta(minutes=29)
        db.session.commit()
    assert client.get("/today").status_code == 200
    with app.app_context():
        assert utcnow() - db.session.scalar(select(UserSession)).last_seen_at < timedelta(seconds=5)


def test_absolute_timeout_is_12_hours_without_keep_signed_in(app, client):
    user = make_user(app, "client")
    sign_in(client, user.email)
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        assert row.expires_at - row.created_at == timedelta(hours=12)
        row.expires_at = utcnow() - timedelta(seconds=1)
        row.last_seen_at = utcnow()
        db.session.commit()
    assert client.get("/today").status_code == 302


def test_keep_signed_in_lasts_30_days_with_a_lasting_cookie(app, client):
    user = make_user(app, "client")
    sign_in(client, user.email, keep=True)
    cookie = client.get_cookie("portal_session")
    assert cookie.expires is not None
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        assert row.keep_signed_in
        assert row.expires_at - row.created_at == timedelta(days=30)
        row.last_seen_at = utcnow() - timedelta(days=3)
        db.session.commit()
    assert client.get("/today").status_code == 200


def test_keep_signed_in_is_for_clients_only(app, client):
    user = make_user(app, "staff")
    sign_in(client, user.email, keep=True)
    assert client.get_cookie("portal_session").expires is None
    with app.app_context():
        assert not db.session.scalar(select(UserSession)).keep_signed_in


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("1234567", False),
        ("password", False),
        ("PASSWORD1", False),
        ("iloveyou123", False),
        ("12345678", False),
        ("blue kettle morning", True),
        ("a" * 8, False),  # in the common list
        ("x" * 64 + "y" * 64, True),  # 128 characters are allowed
        ("x" * 129, False),
        ("ñandú-corre-rápido", True),
    ],
)
def test_password_rules(app, password, ok):
    with app.app_context():
        assert (password_problem(password) is None) is ok


def test_password_equal_to_email_is_refused(app):
    with app.app_context():
        assert password_problem("Me@Example.org", "me@example.org") is not None


def test_password_hash_is_argon2id_and_verifies():
    hashed = hash_password("blue kettle morning")
    assert hashed.startswith("$argon2id$")
    assert check_password(hashed, "blue kettle morning")
    assert not check_password(hashed, "blue kettle evening")
    assert not check_password(None, "anything")
    assert not check_password("not-a-hash", "anything")


def test_change_password_needs_the_current_one(app, client, login_as):
    login_as("client")
    response = post(
        client,
        "/settings/password",
        {
            "current": "not it at all",
            "password": "new words to remember",
            "confirm": "new words to remember",
        },
    )
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)


def test_change_password_refuses_a_weak_one_and_a_mismatch(app, client, login_as):
    login_as("client")
    weak = post(
        client,
        "/settings/password",
        {"current": PASSWORD, "password": "password1", "confirm": "password1"},
    )
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    mismatch = post(
        client,
        "/settings/password",
        {"current": PASSWORD, "password": "new words to remember", "confirm": "other words"},
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)


def test_change_password_works_and_signs_out_other_devices(app, client, login_as):
    user = login_as("client")
    other_device = app.test_client()
    sign_in(other_device, user.email)
    assert other_device.get("/today").status_code == 200
    response = post(
        client,
        "/settings/password",
        {
            "current": PASSWORD,
            "password": "new words to remember",
            "confirm": "new words to remember",
        },
    )
    assert response.status_code == 302
    assert client.get("/today").status_code == 200
    assert other_device.get("/today").status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, user.email, "new words to remember").status_code == 302


def _token_from(html: str) -> str:
    return re.search(r"/setup/([A-Za-z0-9_\-]+)", html).group(1)


def test_care_team_creates_a_client_who_sets_a_password_once(app, client, login_as):
    counselor = login_as("staff")
    response = post(
        client,
        "/care/clients/new",
        {"name": "New Client", "email": "New.Client@example.org", "counselor_id": counselor.id},
    )
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "https://portal.example.org/setup/" in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    token = _token_from(html)

    newcomer = app.test_client()
    page = newcomer.get(f"/setup/{token}")
    assert page.status_code == 200 and "New" in page.get_data(as_text=True)
    weak = post(newcomer, f"/setup/{token}", {"password": "qwerty123", "confirm": "qwerty123"})
    assert weak.status_code == 422
    done = post(
        newcomer,
        f"/setup/{token}",
        {"password": "my own good words", "confirm": "my own good words"},
    )
    assert done.status_code == 302 and done.location == "/today"
    assert newcomer.get("/today").status_code == 200
    again = app.test_client().get(f"/setup/{token}")
    assert again.status_code == 410
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "new.client@example.org"))
        assert person.role == "client" and person.counselor_id == counselor.id
        assert check_password(person.password_hash, "my own good words")


def test_setup_link_expires_after_72_hours(app):
    user = make_user(app, "client", password=None)
    with app.app_context(), app.test_request_context():
        token = issue_setup_link(db.session.get(User, user.id), utcnow())
        link = find_valid_link(token, utcnow())
        assert link.expires_at - link.created_at == timedelta(hours=72)
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert find_valid_link(token, utcnow()) is None


def test_a_new_setup_link_retires_the_old_one(app):
    user = make_user(app, "client", password=None)
    with app.app_context(), app.test_request_context():
        person = db.session.get(User, user.id)
        first = issue_setup_link(person, utcnow())
        second = issue_setup_link(person, utcnow())
        assert find_valid_link(first, utcnow()) is None
        assert find_valid_link(second, utcnow()) is not None
        assert db.session.scalar(select(func.count()).select_from(SetupLink)) == 2


def test_setup_tokens_are_not_stored_in_the_clear(app):
    user = make_user(app, "client", password=None)
    with app.app_context(), app.test_request_context():
        token = issue_setup_link(db.session.get(User, user.id), utcnow())
        stored = db.session.scalar(select(SetupLink.token_hash))
        assert token not in stored and len(stored) == 64


def test_garbage_setup_token_is_a_kind_410(client):
    response = client.get("/setup/not-a-real-token")
    assert response.status_code == 410
    assert "Ask your care team" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["unknown", "known", "deactivated", "not yet set up"])
def test_every_failed_sign_in_does_the_same_password_work(app, client, monkeypatch, who):
    """An unknown email must cost one Argon2 verification too, or timing tells who is a client."""
    make_user(app, "client", "known@example.test")
    make_user(app, "client", "pending@example.test", password=None)
    deactivated = make_user(app, "client", "gone@example.test")
    with app.app_context():
        db.session.get(User, deactivated.id).active = False
        db.session.commit()
    email = {
        "unknown": "nobody@example.test",
        "known": "known@example.test",
        "deactivated": "gone@example.test",
        "not yet set up": "pending@example.test",
    }[who]
    calls = []
    verify = argon2.PasswordHasher.verify
    monkeypatch.setattr(
        argon2.PasswordHasher,
        "verify",
        lambda self, hash, password: calls.append(1) or verify(self, hash, password),
    )
    response = sign_in(client, email, "not the right words")
    assert response.status_code == 401
    assert len(calls) == 1


@pytest.mark.parametrize("case", ["unknown", "spent", "live"])
def test_a_setup_link_takes_the_same_password_work_whatever_the_answer(app, monkeypatch, case):
    """A dead link answers no faster than a live one setting the password."""
    user = make_user(app, "client", "timing@example.test", password=None)
    with app.app_context():
        token = issue_setup_link(db.session.get(User, user.id), utcnow())
    if case == "spent":
        first = app.test_client()
        words = "the first words chosen"
        post(first, f"/setup/{token}", {"password": words, "confirm": words})
    url = f"/setup/{'x' * 32 if case == 'unknown' else token}"
    browser = app.test_client()
    csrf = csrf_token(browser, "/login")
    calls = []
    for name in ("hash", "verify"):
        real = getattr(argon2.PasswordHasher, name)
        monkeypatch.setattr(
            argon2.PasswordHasher,
            name,
            lambda self, *a, _real=real, _name=name: calls.append(_name) or _real(self, *a),
        )
    words = "some new pass phrase"
    response = browser.post(url, data={"csrf_token": csrf, "password": words, "confirm": words})
    assert response.status_code == (302 if case == "live" else 410)
    assert len(calls) == 1


def test_a_setup_link_used_eight_times_at_once_works_once(app):
    """Eight phones (or one attacker) racing one link: one password, one session."""
    user = make_user(app, "client", "racer@example.test", password=None)
    with app.app_context():
        token = issue_setup_link(db.session.get(User, user.id), utcnow())
    clients = [app.test_client() for _ in range(8)]
    tokens = [csrf_token(c, f"/setup/{token}") for c in clients]
    start, answers = threading.Barrier(len(clients)), []

    def use(client, csrf, n):
        start.wait()
        words = f"racing words number {n}"
        answers.append(
            client.post(
                f"/setup/{token}",
                data={"csrf_token": csrf, "password": words, "confirm": words},
            ).status_code
        )

    threads = [
        threading.Thread(target=use, args=(c, t, n))
        for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [302] + [410] * 7
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("password  ", True),  # a common one padded with spaces
        ("  Password1", True),
        ("pass word1", False),
        ("alex.morgan", True),  # the person's own name
        ("Alex Morgan 1", True),
        ("alexmorgan@example.test", True),  # their email
        ("am.tester99", False),
        ("Alex walks the dog at dawn", False),  # a name inside a real phrase is fine
    ],
)
def test_padded_common_passwords_and_ones_own_name_are_refused(password, refused):
    problem = password_problem(password, "alexmorgan@example.test", "Alex Morgan")
    assert (problem is not None) is refused, password
