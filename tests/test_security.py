"""The security baseline: headers, cookies, CSRF, no change over GET, sign-in throttling, logs."""

import logging

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.accounts.models import UserSession
from portal.extensions import db
from portal.security import content_security_policy
from tests.conftest import PASSWORD, make_user, post, sign_in
from tests.routes import ROLES, all_rules, sign_in_as, url_for_rule


def test_every_response_has_the_security_headers(client):
    for path in (
        "/login",
        "/help",
        "/healthz",
        "/no-such-page",
        "/service_worker.js",
        "/manifest.webmanifest",
        "/favicon.ico",
    ):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        csp = response.headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, (path, directive)


def test_static_files_carry_a_short_policy_that_allows_nothing(app, client):
    """A static file is never a page: the page policy's bytes go to waste on each of them on a
    first visit. Opened on its own, a file may load nothing and be framed by nobody."""
    from portal.frame import static_url

    with app.test_request_context():
        versioned = static_url("css/app.css")
    for path in ("/static/css/app.css", versioned, "/static/js/push.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        ), path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert "Permissions-Policy" not in response.headers, path
    # The worker runs under its own script's policy: that one stays the page policy.
    worker = client.get("/service_worker.js").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in worker and "connect-src" in worker


def test_csp_allows_no_inline_code_and_only_the_pinned_htmx_file():
    url = "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js"
    csp = content_security_policy(url)
    assert f"script-src 'self' {url};" in csp
    assert "https://unpkg.com;" not in csp and "https://unpkg.com " not in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self';" in content_security_policy("/static/vendor/htmx.min.js")


def test_pages_have_no_inline_script_and_htmx_has_sri(app, client, login_as):
    login_as("client")
    html = client.get("/today").get_data(as_text=True)
    assert 'integrity="sha384-' in html
    assert 'crossorigin="anonymous"' in html
    assert "<script>" not in html and " on" + "click=" not in html
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html


def test_personal_pages_are_not_stored_but_versioned_files_are(app, client, login_as):
    login_as("client")
    for path in ("/today", "/settings", "/login", "/help"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/help").headers
    secure = client.get("/help", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def _set_cookie_header(response) -> str:
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("portal_"))


def test_session_cookie_flags(app, client):
    user = make_user(app, "client")
    plain = sign_in(client, user.email)
    header = _set_cookie_header(plain)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    secure_client = app.test_client()
    token_page = secure_client.get("/login", base_url="https://localhost")
    assert "Secure" in _set_cookie_header(token_page)


def test_forwarded_https_counts_only_behind_a_trusted_proxy(app, database_url):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    response = app.test_client().get("/help", headers=forwarded)
    assert "Strict-Transport-Security" not in response.headers
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "TRUSTED_PROXIES": 1,
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    response = proxied.test_client().get("/help", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers


def _unsafe_rules(app):
    for rule in all_rules(app):
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            yield rule, method


@pytest.mark.parametrize("role", ["anonymous", "client", "staff"])
def test_every_state_changing_route_refuses_a_missing_csrf_token(app, client, role):
    people = sign_in_as(app, client, role)
    for rule, method in _unsafe_rules(app):
        url = url_for_rule(app, rule, people)
        response = client.open(url, method=method, data={"name": "x"})
        assert response.status_code == 400, (method, url, response.status_code)
        assert "This form has expired" in response.get_data(as_text=True)


def test_htmx_sends_the_token_in_a_header(app, client, login_as):
    login_as("client")
    html = client.get("/support-contacts").get_data(as_text=True)
    token = html.split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(
        "/support-contacts",
        data={"name": "Pat", "phone": "555 123 4567"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302


def _row_counts(app):
    with app.app_context():
        return {
            t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables
            if t.name != "audit_events"
        }


@pytest.mark.parametrize("role", ROLES)
def test_no_get_request_changes_stored_state(app, client, role):
    people = sign_in_as(app, client, role)
    before = _row_counts(app)
    for rule in all_rules(app):
        if "GET" in rule.methods:
            client.get(url_for_rule(app, rule, people))
    assert _row_counts(app) == before


def _fail(client, email, times):
    return [sign_in(client, email, "not the right one").status_code for _ in range(times)]


def test_eleventh_wrong_password_in_a_minute_is_refused_with_429(app, client):
    user = make_user(app, "client")
    assert _fail(client, user.email, 10) == [401] * 10
    response = sign_in(client, user.email, "not the right one")
    assert response.status_code == 429
    assert "paused for a few minutes" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    # Even the right password waits: that is what stops guessing.
    assert sign_in(client, user.email).status_code == 429


def test_a_throttled_account_does_not_stop_others_on_the_same_address(app, client):
    victim = make_user(app, "client")
    other = make_user(app, "client")
    _fail(client, victim.email, 11)
    assert sign_in(app.test_client(), other.email).status_code == 302


def test_successful_sign_ins_never_count(app, client):
    user = make_user(app, "client")
    for _ in range(15):
        assert sign_in(app.test_client(), user.email).status_code == 302
    assert _fail(client, user.email, 10) == [401] * 10


def test_the_throttle_counts_the_account_whatever_the_letter_case(app, client):
    user = make_user(app, "client", email="case@example.test")
    for i in range(10):
        sign_in(client, "CASE@example.test" if i % 2 else " case@example.test", "wrong one")
    assert sign_in(client, user.email, "wrong one").status_code == 429


def test_one_address_is_throttled_only_at_a_much_higher_count(app, client):
    app.config["LOGIN_ADDRESS_LIMIT"] = "25 per minute"
    people = [make_user(app, "client") for _ in range(5)]
    codes = [code for p in people for code in _fail(client, p.email, 6)]
    assert codes[:25] == [401] * 25
    assert codes[25:] == [429] * 5


def test_failed_sign_ins_are_logged_without_personal_data(app, client, caplog):
    user = make_user(app, "client", email="private.person@example.test")
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        sign_in(client, user.email, "a secret guess")
    text = caplog.text
    assert "sign-in failed" in text
    assert "private.person" not in text and "a secret guess" not in text


def test_refused_access_is_logged_without_personal_data(app, client, login_as, caplog):
    login_as("client")
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        assert client.get("/care/").status_code == 404
    assert "access refused role=client endpoint=care.dashboard" in caplog.text


def test_logout_is_post_only(app, client, login_as):
    login_as("client")
    assert client.get("/logout").status_code == 405
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


def test_right_password_after_a_few_failures_still_works(app, client):
    user = make_user(app, "client")
    _fail(client, user.email, 5)
    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_oversized_body_is_refused_politely(client):
    response = post(
        client, "/login", {"email": "a@example.org", "password": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413


def test_an_attacker_guessing_does_not_lock_the_owner_out(app, client):
    """OWASP's device cookie: the owner's own browser keeps its own allowance."""
    owner = make_user(app, "client")
    assert sign_in(client, owner.email).status_code == 302  # the owner's phone, once
    post(client, "/logout")
    attacker = app.test_client()
    assert _fail(attacker, owner.email, 11)[-1] == 429
    assert sign_in(attacker, owner.email).status_code == 429  # guessing stays stopped
    assert sign_in(client, owner.email).status_code == 302  # the owner is not


def test_spraying_from_a_shared_address_does_not_stop_people_who_signed_in_there(app, client):
    app.config["LOGIN_ADDRESS_LIMIT"] = "20 per minute"
    regular = make_user(app, "client")
    phone = app.test_client()
    assert sign_in(phone, regular.email).status_code == 302
    post(phone, "/logout")
    sprayer = app.test_client()
    codes = [
        sign_in(sprayer, f"guess{n}@example.test", "Summer2026!").status_code for n in range(22)
    ]
    assert codes[-1] == 429
    assert sign_in(phone, regular.email).status_code == 302


def test_a_stolen_device_cookie_is_worth_nothing_for_another_account(app, client):
    mine, theirs = make_user(app, "client"), make_user(app, "client")
    assert sign_in(client, mine.email).status_code == 302
    post(client, "/logout")
    assert _fail(client, theirs.email, 11)[-1] == 429  # counted as any stranger's tries


def test_the_wait_is_said_in_minutes(app, client):
    user = make_user(app, "client")
    _fail(client, user.email, 10)
    html = sign_in(client, user.email, "again wrong").get_data(as_text=True)
    assert "please wait 1 minute, then try again" in html
