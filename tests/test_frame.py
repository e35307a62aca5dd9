"""The page frame: the help panel everywhere, navigation, the worker and the manifest."""

import json
import re
from pathlib import Path

import pytest

from portal.accounts.models import User
from portal.core.views import worker_version
from portal.extensions import db
from tests.conftest import IN_CI, make_user, sign_in
from tests.routes import ROLES, all_rules, sign_in_as, url_for_rule

TREATMENT_WORDS = re.compile(
    r"treatment|\bIOP\b|therapy|relapse|recovery|sober|alcohol|drug|substance|rehab|addiction",
    re.IGNORECASE,
)


def html_pages(app, client, people):
    """Yield (url, html) of every GET page this person can open."""
    for rule in all_rules(app):
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(app, rule, people)
        response = client.get(url, follow_redirects=True)
        if response.mimetype == "text/html":
            yield url, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_get_help_now_is_on_every_page_with_the_crisis_lines(app, client, role):
    people = sign_in_as(app, client, role)
    pages = list(html_pages(app, client, people))
    assert len(pages) >= 5
    for url, html in pages:
        assert "data-crisis-open" in html, url
        assert 'id="crisis-dialog"' in html, url
        assert 'href="tel:988"' in html and 'href="sms:988' in html, url
        assert 'href="tel:18006624357"' in html, url


def test_the_help_panel_lists_the_clients_own_support_contacts(app, client):
    people = sign_in_as(app, client, "client")
    html = client.get("/today").get_data(as_text=True)
    panel = html.split('id="crisis-dialog"')[1]
    assert 'href="tel:5550101111"' in panel
    assert "5550102222" not in html  # the other client's contact
    assert people.client.id


def test_every_signed_in_page_has_a_visible_sign_out(app, client):
    people = sign_in_as(app, client, "client")
    for url, html in html_pages(app, client, people):
        assert 'action="/logout"' in html, url


def test_client_navigation_only_links_pages_that_exist(app, client):
    sign_in_as(app, client, "client")
    html = client.get("/today").get_data(as_text=True)
    nav = html.split('class="bottom-nav"')[1].split("</nav>")[0]
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs[0] == "/today" and hrefs[-1] == "/more"
    for href in hrefs:
        assert client.get(href).status_code == 200


def test_staff_and_family_get_no_client_navigation(app, client):
    sign_in_as(app, client, "staff")
    assert 'class="bottom-nav"' not in client.get("/care/").get_data(as_text=True)


def test_the_manifest_has_a_neutral_name(app, client):
    data = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert data["name"] == "Portal" and data["display"] == "standalone"
    assert not TREATMENT_WORDS.search(json.dumps(data))


def test_the_clinic_can_choose_its_app_name(app, client):
    app.config["APP_NAME"] = "Northside"
    data = client.get("/manifest.webmanifest").get_json(force=True)
    assert data["name"] == "Northside"


def test_the_worker_is_served_from_the_root_with_its_settings(app, client):
    response = client.get("/service_worker.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    settings = json.loads(body.split("const PORTAL = ")[1].split(";\n")[0])
    assert settings["pages"] == [
        "/help?lang=en",
        "/offline?lang=en",
        "/help?lang=es",
        "/offline?lang=es",
    ]
    assert all(url.startswith("/static/") and "?v=" in url for url in settings["shell"])
    for url in settings["shell"]:
        assert client.get(url).status_code == 200
    assert settings["htmx"].startswith("https://unpkg.com/htmx.org@2.0.11/")


def test_the_worker_version_follows_the_static_files(app, client):
    with app.app_context():
        before = worker_version()
        app.extensions["static_digests"]["css/app.css"] = "changed"
        assert worker_version() != before


def test_static_urls_carry_a_content_hash(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'href="/static/css/app.css\?v=[0-9a-f]{12}"', html)


def test_a_static_file_named_by_its_content_is_kept_for_a_year_by_everyone(app, client, login_as):
    login_as("client")  # a session cookie in the jar: the file must not vary by it nor refresh it
    html = client.get("/today").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 86400
    assert response.cache_control.immutable and response.cache_control.public
    assert "Cookie" not in response.vary
    assert "Set-Cookie" not in response.headers
    # Any other version is not this content: the browser must ask again.
    stale = client.get("/static/css/app.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"


def test_the_worker_is_not_downloaded_again_by_every_page(client):
    first = client.get("/service_worker.js")
    assert first.headers["ETag"] and "Cookie" not in first.vary
    again = client.get("/service_worker.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_htmx_can_be_self_hosted_by_a_setting(database_url):
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "HTMX_URL": "/static/vendor/htmx.min.js",
        }
    )
    response = app.test_client().get("/login")
    assert 'src="/static/vendor/htmx.min.js"' in response.get_data(as_text=True)
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no-such-page", 404, "Page not found"),
        ("/logout", 405, "That did not work"),
    ],
)
def test_error_pages_are_in_the_frame(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert text in html and 'id="crisis-dialog"' in html


def test_errors_answer_json_to_scripts(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"] == "Page not found"


def test_a_server_error_is_a_kind_page_in_the_frame(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "not your fault" in response.get_data(as_text=True)


def test_pages_carry_the_idle_timeout_unless_kept_signed_in(app, client):
    from tests.conftest import make_user, sign_in

    user = make_user(app, "client")
    sign_in(client, user.email)
    assert 'data-idle-minutes="30"' in client.get("/today").get_data(as_text=True)
    kept = app.test_client()
    sign_in(kept, user.email, keep=True)
    assert "data-idle-minutes" not in kept.get("/today").get_data(as_text=True)


def test_the_served_worker_is_valid_javascript(client, tmp_path):
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node must be installed in CI to check the service worker")
        pytest.skip("node is not installed; the browser tests load the worker anyway")
    script = tmp_path / "service_worker.js"
    script.write_text(client.get("/service_worker.js").get_data(as_text=True))
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_our_css_and_scripts_go_out_minified_and_still_parse(app, client, tmp_path):
    """Comments and indentation stay in the repository; a phone gets the minified file, and
    a phone that has it gets a 304."""
    import shutil
    import subprocess

    root = Path(app.static_folder)
    node = shutil.which("node")
    for name in ("css/app.css", "js/app.js", "js/outbox.js", "js/push.js", "js/homework.js"):
        source = (root / name).read_bytes()
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert len(response.data) < 0.85 * len(source), name
        assert b"/*" not in response.data and b"\n//" not in response.data, name
        again = client.get(f"/static/{name}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", name
        if name.endswith(".js") and node:
            script = tmp_path / Path(name).name
            script.write_bytes(response.data)
            result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
            assert result.returncode == 0, (name, result.stderr)
    assert client.get("/static/js/no-such.js").status_code == 404
    assert client.get("/static/icons/icon-192.png").mimetype == "image/png"


@pytest.mark.parametrize("language", ["en", "es"])
def test_page_strings_escape_what_is_put_into_them(app, client, language):
    """The page's own gettext (frame.page_translations) escapes a name as Jinja's does."""
    person = make_user(app, "client", name="<i>Ann</i> Lee")
    with app.app_context():
        db.session.get(User, person.id).locale = language
        db.session.commit()
    sign_in(client, person.email)
    html = client.get("/today").get_data(as_text=True)
    assert "&lt;i&gt;Ann&lt;/i&gt;" in html and "<i>Ann</i>" not in html
    assert ("Hola" if language == "es" else "Hi,") in html
