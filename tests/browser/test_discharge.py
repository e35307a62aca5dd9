"""A counselor ends a client's program; the client's Today turns to aftercare, on a phone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer

CLINIC = ZoneInfo("America/New_York")  # the demo clinic's zone


@pytest.fixture
def own_server(tmp_path, browser):
    """A clinic of its own: the test discharges its client."""
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def test_a_discharged_clients_today_is_aftercare(new_context, own_server):
    staff = new_context().new_page()
    sign_in(staff, own_server, "counselor@example.org")
    staff.goto(own_server.url + "/care/")
    staff.get_by_role("link", name="Alex Morgan", exact=True).first.click()
    staff.get_by_role("link", name="End the program (discharge)").click()
    staff.get_by_label("Why the program ends").select_option(label="Completed the program")
    # Yesterday in the clinic, whatever day the test runs: today is then aftercare's first.
    yesterday = (datetime.now(CLINIC) - timedelta(days=1)).date().isoformat()
    staff.get_by_label("Last day in the program").fill(yesterday)
    screenshot(staff, "discharge-390")
    staff.get_by_role("button", name="End the program").click()
    expect(staff.get_by_role("main")).to_contain_text("Aftercare starts the next day")
    expect(staff.get_by_role("main")).to_contain_text("family consent ended with the program")

    for width in (390, 320):
        client = new_context(viewport={"width": width, "height": 800}).new_page()
        sign_in(client, own_server, "client@example.org")
        main = client.get_by_role("main")
        expect(main.get_by_role("heading", name="You are in aftercare")).to_be_visible()
        expect(main).not_to_contain_text("Your progress")
        expect(main.get_by_role("link", name="Check in now")).to_be_visible()
        nav = client.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Plan")).to_be_visible()
        expect(nav.get_by_role("link", name="Homework")).to_have_count(0)
        assert client.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(client, f"aftercare-today-{width}")
