"""The deployment as the README describes it, used in real Chromium over HTTPS.

nginx with the shipped configuration, gunicorn with two workers behind it, PostgreSQL, the
rate limits in Redis and the reminder worker: each role signs in, the client checks in and
saves a homework draft, devices subscribe to push, and a flagged check-in reaches the
counselor's device through the worker and the loopback push service. See stage.py.
"""

import gzip
import http.cookiejar
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, path_of, prepare_context
from tests.browser.stage import Stage, fresh_database, missing_tools
from tests.browser.test_checkins import fill_check_in, group
from tests.browser.test_offline import kept_copy
from tests.browser.test_spanish import es, sign_in_in_spanish
from tests.conftest import IN_CI, TEST_DATABASE_URL, postgres_url
from tests.push_helpers import TELLTALE
from tests.push_service import FakePushService
from tests.two_factor import finish_in_browser

# The browser's side of push: headless Chromium cannot subscribe to a real push service, so the
# page's PushManager hands out a subscription on the loopback service. Everything after it
# (our push.js, the POST, the worker, encryption, VAPID) is the real thing.
PUSH_STUB = """(info) => {
  const subscription = (i) => ({
    endpoint: i.endpoint,
    toJSON: () => i,
    unsubscribe: async () => { localStorage.removeItem("stage-push"); return true; },
  });
  PushManager.prototype.subscribe = async function () {
    localStorage.setItem("stage-push", JSON.stringify(info));
    return subscription(info);
  };
  PushManager.prototype.getSubscription = async function () {
    const kept = localStorage.getItem("stage-push");
    return kept ? subscription(JSON.parse(kept)) : null;
  };
}"""


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"the production stage must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def push_service():
    service = FakePushService().start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def stage(tmp_path_factory, push_service):
    if not TEST_DATABASE_URL:
        _unavailable("the production stage runs on PostgreSQL: set TEST_DATABASE_URL")
    if missing := missing_tools():
        _unavailable(f"the stage needs {', '.join(missing)}: apt-get install -y nginx redis-server")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = postgres_url().rsplit("/", 1)[1] + f"_stage_{worker}"
    database = fresh_database(postgres_url(), name)
    stage = Stage(tmp_path_factory.mktemp("stage"), database, push_service.origin)
    try:
        stage.start()
    except Exception:
        stage.stop()
        raise
    yield stage
    stage.stop()


@pytest.fixture(scope="module")
def stage_browser(stage, playwright, htmx_copy):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={stage.spki}"],
    )
    yield browser
    browser.close()


@pytest.fixture
def phone(stage_browser, htmx_copy):
    """Open fresh phone-sized browser profiles on the stage."""
    contexts = []

    def make(push_device=None, viewport=PHONE, cdn=True, locale="en-US"):
        context = stage_browser.new_context(
            viewport=viewport,
            locale=locale,
            permissions=["notifications"] if push_device else [],
        )
        prepare_context(context, htmx_copy if cdn else None)
        if push_device:
            context.add_init_script(f"({PUSH_STUB})({json.dumps(push_device.info())})")
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, stage: Stage, email: str) -> None:
    page.goto(stage.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    finish_in_browser(page, stage.url, email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert "expired" not in page.content()


def sign_out(page, stage: Stage) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto(stage.url + "/settings")
    assert path_of(page).startswith("/login"), "the session must be over on the server"


def turn_on_reminders(page, stage: Stage) -> None:
    page.goto(stage.url + "/settings#notifications")
    page.get_by_role("button", name="Turn on reminders").click()
    page.wait_for_load_state()
    expect(page.locator("#notifications")).to_have_attribute("data-push-state", "on")


def devices(stage: Stage) -> set[str]:
    with psycopg.connect(stage.database_url) as conn:
        rows = conn.execute("SELECT endpoint FROM push_subscriptions").fetchall()
    return {endpoint for (endpoint,) in rows}


def wait_for_push(service: FakePushService, token: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in service.accepted:
            if message.token == token:
                return message
        time.sleep(0.2)
    return None


@pytest.mark.parametrize("width", [390, 320])
def test_each_role_signs_in_and_out_over_https(stage, phone, width):
    for email in ("client@example.org", "counselor@example.org", "family@example.org"):
        page = phone(viewport={"width": width, "height": 780})
        response = page.goto(stage.url + "/login")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        sign_in(page, stage, email)
        (cookie,) = [c for c in page.context.cookies() if c["name"] == "portal_session"]
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert page.evaluate("window.isSecureContext")
        assert not [e for e in page.console_errors if "Content Security Policy" in e]
        # The first page after sign-in fits the phone: nothing runs off to the side.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, email
        sign_out(page, stage)


def test_a_clients_day_through_the_deployed_stack(stage, phone, push_service):
    counselor_device, client_device = push_service.new_device(), push_service.new_device()
    counselor = phone(counselor_device)
    sign_in(counselor, stage, "counselor@example.org")
    turn_on_reminders(counselor, stage)
    assert counselor_device.endpoint in devices(stage)

    client = phone(client_device)
    sign_in(client, stage, "client@example.org")
    checked_in_at = time.monotonic()
    client.goto(stage.url + "/checkin")
    fill_check_in(client)
    group(client, "Have you had thoughts of hurting yourself?").get_by_role(
        "radio", name="Yes"
    ).click()
    client.get_by_role("button", name="Save my check-in").click()
    expect(
        client.get_by_role("main").get_by_role("heading", name="You do not have to face this alone")
    ).to_be_visible()

    # The worker, not the web request, tells the counselor's phone; neutral words only.
    message = wait_for_push(push_service, counselor_device.token)
    assert message is not None, "no push reached the counselor:\n" + stage.log("worker")
    seconds = time.monotonic() - checked_in_at
    assert message.claims["aud"] == push_service.origin
    assert message.claims["sub"] == "mailto:ops@portal.example.org"
    text = json.dumps(message.payload).lower()
    assert not [word for word in TELLTALE if word in text], text
    assert message.payload["url"].startswith("/")
    print(f"check-in to the counselor's push: {seconds:.1f} s")

    # A homework draft saves as the client types, through nginx and either gunicorn worker.
    client.goto(stage.url + "/homework")
    client.get_by_role("link", name="Thought record").click()
    answer = client.locator("textarea").first
    answer.press_sequentially("I left the party early and called my sponsor.")
    expect(client.locator(f"#{answer.get_attribute('id')}-status")).to_have_text("Draft saved.")

    turn_on_reminders(client, stage)
    client.get_by_role("button", name=re.compile("test", re.I)).click()
    assert wait_for_push(push_service, client_device.token, 15) is not None
    assert not push_service.errors, push_service.errors
    sign_out(client, stage)
    sign_out(counselor, stage)
    assert len(stage.gunicorn_pids()) == 2


def test_a_spanish_reading_client_on_a_small_phone_over_https(stage, phone, push_service):
    """Sam's phone reads Spanish: the deployed stack speaks it from the sign-in page to the
    crisis panel and the words the push service carries to the lock screen."""
    device = push_service.new_device()
    page = phone(device, viewport={"width": 320, "height": 640}, locale="es-US")
    page.goto(stage.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "es-US")
    sign_in_in_spanish(page, stage, "client2@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Sam")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.goto(stage.url + "/checkin")
    fill_check_in(page, craving="9", t=es)
    page.get_by_role("button", name=es("Save my check-in")).click()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Llamar al 988")).to_have_attribute("href", "tel:988")
    expect(main).to_contain_text("llame al 988 y oprima 2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.goto(stage.url + "/settings#notifications")
    page.get_by_role("button", name=es("Turn on reminders")).click()
    expect(page.locator("#notifications")).to_have_attribute("data-push-state", "on")
    page.get_by_role("button", name=es("Send me a test notification")).click()
    message = wait_for_push(push_service, device.token, 15)
    assert message is not None, stage.log("worker")
    title, body = es("Test"), es("Reminders work on this device.")
    assert title != "Test" and body != "Reminders work on this device."
    assert (message.payload["title"], message.payload["body"]) == (title, body)
    page.get_by_role("button", name=es("Sign out")).click()
    expect(page.get_by_role("button", name=es("Sign in"))).to_be_visible()


def _session_with_token(stage: Stage):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=stage.tls_context()),
        urllib.request.HTTPCookieProcessor(jar),
    )
    html = opener.open(stage.url + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    return opener, token.group(1)


def _post_login(stage: Stage, headers: dict, email: str = "nobody@example.org") -> tuple[int, str]:
    opener, token = _session_with_token(stage)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": "not the password"}
    ).encode()
    request = urllib.request.Request(stage.url + "/login", data=body, headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, True),
        ({"Sec-Fetch-Site": "same-site"}, True),
        ({"Origin": "https://evil.example"}, True),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, False),
        ({"Origin": "null"}, False),
        ({}, False),
    ],
)
def test_cross_site_posts_are_refused_behind_the_proxy(stage, headers, refused):
    status, body = _post_login(stage, headers)
    if refused:
        assert status == 400 and "This form has expired" in body
    else:
        assert status == 401 and "expired" not in body  # a wrong password, answered normally


def test_plain_http_goes_to_https_and_limits_live_in_redis(stage):
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # look at the redirect instead of following it

    opener = urllib.request.build_opener(Stay())
    request = urllib.request.Request(f"http://127.0.0.1:{stage.http_port}/today")
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request, timeout=10)
    assert answer.value.code == 301
    assert answer.value.headers["Location"] == stage.url + "/today"

    counters = redis.Redis(port=stage.redis_port)
    before = len(counters.keys("*"))
    _post_login(stage, {"Sec-Fetch-Site": "same-origin"}, "someone.new@example.org")
    assert len(counters.keys("*")) > before, "the sign-in limits must be counted in Redis"
    logs = stage.log("nginx-access") + stage.log("gunicorn")
    assert "example.org" not in logs and "/login" not in logs


def test_gunicorn_believes_no_forwarded_header_when_no_proxy_is_trusted(live_server):
    """The shipped gunicorn settings with TRUSTED_PROXIES=0: a forged header changes nothing."""
    request = urllib.request.Request(
        live_server.url + "/login",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Ssl": "on",
            "X-Forwarded-For": "1.2.3.4",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert "Strict-Transport-Security" not in response.headers
        assert "Secure" not in (response.headers.get("Set-Cookie") or "")




# A first visit on a weak signal: opening the sign-in page on a new phone, signing in, Today on
# screen and the service worker's offline copies kept. nginx's log is the wire; htmx, which
# comes from its CDN, is counted at its gzip size (the CDN itself is out of reach here).
# Measured 57,092 bytes on 2026-12-04 (81 KB before static files were cached and nginx
# compressed at level 6, 62 KB before CSS and scripts went out minified and redirects and 304s
# without the page policy). Issue 20 asks for at most 60 KB.
FIRST_VISIT_BUDGET = 60_000


def sent_since(log: Path, mark: int) -> list[tuple[str, int, int]]:
    """(method, status, bytes sent) of each response nginx logged after `mark`."""
    lines = log.read_text()[mark:].splitlines()
    return [(m, int(status), int(sent)) for _, m, status, *_, sent in map(str.split, lines)]


def test_todays_first_visit_is_small_on_the_wire_and_repeat_visits_fetch_only_the_page(
    stage, phone, htmx_copy
):
    log = stage.workdir / "nginx-access.log"
    page = phone(cdn=False)  # no routing: the browser's HTTP cache works as on a phone
    mark = len(log.read_text())
    sign_in(page, stage, "client@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Alex")
    kept_copy(page, "/recovery-plan")  # the last of the offline copies the worker keeps
    page.wait_for_timeout(500)
    first = sent_since(log, mark)
    cdn = len(gzip.compress(htmx_copy, 9))
    total = sum(sent for *_, sent in first) + cdn
    print(f"\nfirst visit: {total} bytes, {len(first)} responses and htmx ({cdn}) from the CDN")
    assert total <= FIRST_VISIT_BUDGET, first

    mark = len(log.read_text())
    page.goto(stage.url + "/today")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Alex")
    page.wait_for_timeout(1000)
    again = sent_since(log, mark)
    # The page itself, and at most the worker's update check answered "not modified".
    pages = [r for r in again if r[1] == 200]
    assert len(pages) == 1 and all(r[1] == 304 for r in again if r not in pages), again
    print(f"repeat visit: {sum(sent for *_, sent in again)} bytes, {again}")
