"""A counselor sets up two-step sign-in on a phone, then signs in with a code from the app."""

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import path_of, screenshot
from tests.browser.server import LiveServer
from tests.two_factor import Authenticator


@pytest.fixture
def fresh_server(tmp_path, browser):
    """A server of its own: the demo counselor here has not set up a second step yet."""
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def _password(page, server):
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("counselor@example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 320])
def test_a_counselor_sets_up_an_authenticator_and_signs_in_with_it(
    new_context, fresh_server, width
):
    viewport = {"width": width, "height": 800}
    page = new_context(viewport=viewport).new_page()
    _password(page, fresh_server)
    assert path_of(page) == "/settings/two-step"
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    _fits(page, width)
    screenshot(page, f"two-step-setup-{width}")
    app = Authenticator(page.locator("[data-secret]").inner_text().strip())
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator("#code-error")).to_contain_text("did not work")
    page.get_by_label("Code").fill(app.code())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    _fits(page, width)
    screenshot(page, f"two-step-codes-{width}")
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert path_of(page) == "/care/"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    _password(page, fresh_server)
    assert path_of(page) == "/login/verify"
    _fits(page, width)
    screenshot(page, f"two-step-verify-{width}")
    page.get_by_label("Code").fill(app.code())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert path_of(page) == "/care/"
