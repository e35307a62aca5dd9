"""Fixtures for the real-browser tests: the machine's Chromium driven by Playwright.

The page keeps pointing at the CDN with its SRI hash; the browser context answers that one URL
from a local copy of the same pinned file, so the integrity check is real.
Without Chromium (or npm, for that copy) these tests skip with the reason, except in CI.
"""

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.config import HTMX_CDN_URL
from portal.demo import DEMO_PASSWORD
from tests.browser.server import LiveServer
from tests.browser.vendor import assert_matches_pin, htmx_file
from tests.two_factor import finish_in_browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def htmx_copy():
    try:
        path = htmx_file()
    except (FileNotFoundError, OSError) as e:
        _unavailable(f"no local copy of htmx: {e}")
    assert_matches_pin(path)
    return path.read_bytes()


@pytest.fixture(scope="session")
def playwright():
    """Start Playwright once per process: a second sync instance in one thread is refused."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, browser):
    server = LiveServer(tmp_path_factory.mktemp("live")).prepare().start()
    yield server
    server.stop()


def prepare_context(context, htmx_copy):
    """Serve htmx's CDN address from the local copy; give pages the servers' (moved) time.

    With `htmx_copy` None the CDN stays out of reach: Playwright turns the browser's HTTP cache
    off in a context that routes requests, and a test of what crosses the wire needs it on.

    The servers run at the suite's point in the week (tests/conftest.py); pages read the clock
    too (the outbox's "today" in the clinic), so they are moved to the same instant and tick on.
    Chromium's own clock, for cookies and the service worker, stays real: the servers are ahead.
    """
    context.clock.install(time=datetime.now(UTC))
    if htmx_copy is None:
        return context
    context.route(
        HTMX_CDN_URL,
        lambda route: route.fulfill(
            status=200,
            body=htmx_copy,
            content_type="text/javascript",
            headers={"Access-Control-Allow-Origin": "*"},
        ),
    )
    return context


@pytest.fixture
def new_context(browser, htmx_copy):
    """Make fresh browser profiles (no cookies, no caches) at a phone's size."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(viewport=kwargs.pop("viewport", PHONE), **kwargs)
        prepare_context(context, htmx_copy)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    page = new_context().new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda m: (
            page.csp_errors.append(m.text)
            if "Content Security Policy" in m.text or "integrity" in m.text
            else None
        ),
    )
    return page


def sign_in(page, server, email: str, password: str = DEMO_PASSWORD):
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()  # the next page's deferred scripts (htmx) have run
    finish_in_browser(page, server.url, email)


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Save a screenshot for the README's tour when UPDATE_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)
