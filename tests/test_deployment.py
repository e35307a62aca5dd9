"""What a deployment behind a TLS proxy depends on: the same-origin rule, proxy trust, the public
address, the VAPID subject and the shipped gunicorn settings. The whole stack runs in
tests/browser/test_production.py; these are its rules, each on its own."""

import re
import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

from portal import create_app
from portal.addresses import public_host, public_url
from portal.extensions import db
from portal.notifications.vapid import subject_problem
from portal.security import TrustedProxyFix, cross_origin_reason, origin_of
from tests.browser.server import ROOT
from tests.conftest import PASSWORD, make_user, post

OWN = {"https://portal.example.org"}


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, False),
        ({"Sec-Fetch-Site": "none"}, False),  # typed or bookmarked: no other site did it
        ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, False),  # no-referrer form posts
        ({"Sec-Fetch-Site": "same-site"}, True),  # a sibling subdomain is another app
        ({"Sec-Fetch-Site": "cross-site"}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://portal.example.org"}, True),
        ({"Origin": "https://portal.example.org"}, False),
        ({"Origin": "https://PORTAL.example.org:443"}, False),
        ({"Origin": "https://evil.example"}, True),
        ({"Origin": "http://portal.example.org"}, True),  # a downgraded page is not ours
        ({"Origin": "https://portal.example.org.evil.example"}, True),
        ({"Origin": "null"}, False),  # old browsers: the token alone decides
        ({}, False),
    ],
)
def test_the_same_origin_rule(headers, refused):
    assert (cross_origin_reason(headers, OWN) is not None) is refused


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Portal.Example.org/", "https://portal.example.org"),
        ("https://portal.example.org:443/x", "https://portal.example.org"),
        ("http://127.0.0.1:5000/login", "http://127.0.0.1:5000"),
        ("https://[::1]:8443/", "https://[::1]:8443"),
        ("https://host:99999/", ""),
        ("not a url", ""),
    ],
)
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def _sign_in_from_our_page(app, base_url: str, headers: dict):
    """Sign in with the token from the page itself, sending the given fetch headers."""
    make_user(app, "client", "pat@example.test")
    client = app.test_client()
    page = client.get("/login", base_url=base_url).get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    return client.post(
        "/login",
        base_url=base_url,
        data={"csrf_token": token, "email": "pat@example.test", "password": PASSWORD},
        headers=headers,
    )


@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
def test_a_form_posted_by_our_own_page_works_over_http_and_https(app, base_url):
    """Under no-referrer Chromium sends Sec-Fetch-Site and `Origin: null`, and no Referer."""
    response = _sign_in_from_our_page(
        app, base_url, {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Origin": "https://evil.example"},
    ],
)
def test_a_cross_site_post_with_a_good_token_is_refused(app, base_url, headers, caplog):
    response = _sign_in_from_our_page(app, base_url, headers)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert "pat@example.test" not in caplog.text


def _echo_scheme(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['wsgi.url_scheme']} {environ.get('REMOTE_ADDR')}".encode()]


@pytest.mark.parametrize(
    ("peer", "believed"),
    [("127.0.0.1", True), ("10.0.0.7", True), ("203.0.113.5", False), ("", False)],
)
def test_forwarded_headers_count_only_from_the_configured_proxies(peer, believed):
    app = TrustedProxyFix(_echo_scheme, 1, ["127.0.0.1", "10.0.0.0/8"])
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "x",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": peer,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1",
    }
    body = b"".join(app(environ, lambda *a: None)).decode()
    assert body == ("https 198.51.100.1" if believed else f"http {peer}")


def test_one_rule_for_the_public_address(app):
    with app.test_request_context("/", base_url="http://10.1.2.3:8000"):
        assert public_url("accounts.login") == "https://portal.example.org/login"
        assert public_host() == "portal.example.org"
    app.config["PUBLIC_URL"] = ""
    with app.test_request_context("/", base_url="https://clinic.example.net"):
        assert public_url("accounts.login") == "https://clinic.example.net/login"
    with app.app_context():  # the CLI and the worker, with nothing configured
        assert public_url("accounts.login") == "http://127.0.0.1:5000/login"


def test_links_people_receive_use_the_public_address(app, client, login_as):
    login_as("client")
    post(client, "/settings/calendar-feed/new")
    html = client.get("/settings").get_data(as_text=True)  # the request came to http://localhost
    assert "https://portal.example.org/feeds/" in html
    assert "webcal://portal.example.org/feeds/" in html
    assert "http://localhost" not in html


@pytest.mark.parametrize(
    ("subject", "usable"),
    [
        ("mailto:ops@clinic.example.org", True),
        ("https://clinic.example.org", True),
        ("mailto:webpush@localhost", False),
        ("https://localhost:8443", False),
        ("https://127.0.0.1", False),
        ("mailto:me@printer.local", False),
        ("http://clinic.example.org", False),
        ("ops@clinic.example.org", False),
        ("", False),
    ],
)
def test_a_vapid_subject_push_services_accept(subject, usable):
    assert (subject_problem(subject) is None) is usable


def test_the_worker_refuses_to_start_in_production_without_a_usable_subject(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PUBLIC_URL": "https://portal.example.org",
            "VAPID_SUBJECT": "mailto:webpush@localhost",
        }
    )
    try:
        for command in (["worker"], ["send-reminders"]):
            result = app.test_cli_runner().invoke(args=command)
            assert result.exit_code == 1, command
            assert "Set VAPID_SUBJECT=mailto:" in result.output
    finally:
        with app.app_context():
            db.engine.dispose()


def test_gunicorn_settings_trust_no_forwarded_header():
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    config = Config()
    for name in ("forwarded_allow_ips", "secure_scheme_headers", "wsgi_app"):
        config.set(name, settings[name])
    assert config.forwarded_allow_ips == []
    assert config.secure_scheme_headers == {}
    assert config.wsgi_app == "portal:create_app()"


def test_gunicorn_outwaits_nginx_on_idle_upstream_connections():
    """The CI run that found it: a sign-in POST got nginx's 502 on a connection gunicorn closed."""
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    config = Config()
    config.set("keepalive", settings["keepalive"])
    template = (ROOT / "deploy" / "nginx" / "portal.conf.template").read_text()
    upstream = re.search(r"upstream portal_app \{(.*?)\n\}", template, re.S).group(1)
    assert re.search(r"^\s*keepalive \d+;", upstream, re.M), "nginx keeps upstream connections"
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", upstream).group(1))
    assert config.keepalive > nginx_idle


def test_the_tab_icon_is_where_browsers_look(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an icon file, not a page
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_every_setting_read_from_the_environment_is_in_the_readme():
    """The README's configuration table is the list of what a deployment can set."""
    root = Path(__file__).parents[1]
    pattern = re.compile(r'(?:environ\.get\(|environ\[|_int\(|_bool\(|_list\()\s*"([A-Z_]+)"')
    names = {
        name
        for folder in ("portal", "deploy")
        for path in (root / folder).rglob("*.py")
        for name in pattern.findall(path.read_text())
    } - {"REMOTE_ADDR"}  # the WSGI environ's, not the process's
    readme = (root / "README.md").read_text()
    assert "PAGE_CACHE_ENTRIES" in names and len(names) > 20
    assert sorted(n for n in names if f"`{n}`" not in readme) == []
