"""An administrator turns off a leaving colleague's account on a phone, choosing who takes
their clients."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer


@pytest.fixture
def own_server(tmp_path, browser):
    """A clinic of its own: the test turns an account off."""
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def test_an_administrator_turns_off_an_account_and_chooses_a_successor(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "counselor@example.org")
    page.goto(own_server.url + "/care/staff/new")
    page.get_by_label("Name").fill("Pat Parttime")
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_role("button", name="Create account").click()
    page.goto(own_server.url + "/care/staff")
    page.get_by_role("link", name="Turn off Pat Parttime's account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn off Pat Parttime's account")
    page.get_by_label("Who takes their clients").select_option(label="Dana Rivera")
    screenshot(page, "staff-deactivate-390")
    page.get_by_role("button", name="Turn off the account and move the clients").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Pat Parttime's account is turned off")
    expect(main).to_contain_text("Turned off")
    page.set_viewport_size({"width": 320, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    main.get_by_role("button", name="Turn Pat Parttime's account on again").click()
    expect(main).to_contain_text("Pat Parttime's account is on again")
    screenshot(page, "staff-list-320")
