"""A passkey made and used in real Chromium, with the DevTools Protocol's virtual authenticator
standing in for a phone's fingerprint reader (CTAP2, internal, user verification on)."""

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import path_of, screenshot
from tests.browser.server import LiveServer


@pytest.fixture(scope="module")
def localhost_server(tmp_path_factory, browser):
    """A server people reach as http://localhost: an IP address cannot be a passkey's site."""
    server = LiveServer(tmp_path_factory.mktemp("passkeys"))
    server.url = f"http://localhost:{server.port}"
    server.env["PUBLIC_URL"] = server.url
    server.prepare().start()
    yield server
    server.stop()


def with_authenticator(context, page) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def password_step(page, server, email: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_counselor_makes_a_passkey_and_signs_in_with_it(new_context, localhost_server):
    server = localhost_server
    context = new_context()
    page = context.new_page()
    with_authenticator(context, page)

    # First sign-in: the care team must set up a second step; the passkey is offered first.
    password_step(page, server, "counselor@example.org")
    assert path_of(page).startswith("/settings/two-step")
    choice = page.locator("[data-passkey-section]")
    expect(choice.get_by_role("heading", name="A passkey (easiest)")).to_be_visible()
    choice.get_by_label("A name for it").fill("Work phone")
    screenshot(page, "passkey-setup-390")
    choice.get_by_role("button", name="Make a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("recovery codes")
    assert len(page.locator("li code").all()) == 10
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_role("heading", name="Needs you now")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    # Then: the password, and the passkey instead of a code.
    page.set_viewport_size({"width": 320, "height": 740})
    password_step(page, server, "counselor@example.org")
    assert path_of(page).startswith("/login/verify")
    button = page.get_by_role("button", name="Use my passkey")
    expect(button).to_be_visible()
    fits(page, 320)
    screenshot(page, "passkey-verify-320")
    button.click()
    expect(page.get_by_role("heading", name="Needs you now")).to_be_visible()
    assert path_of(page) == "/care/"

    # Settings list it; the only passkey cannot be removed.
    page.goto(server.url + "/settings#two-step")
    section = page.locator("#two-step")
    expect(section).to_contain_text("Work phone")
    expect(section).to_contain_text("On: you sign in with your password and a passkey.")
    fits(page, 320)
    section.get_by_role("button", name="Remove the passkey Work phone").click()
    expect(page.get_by_role("main")).to_contain_text("only way to finish signing in")
