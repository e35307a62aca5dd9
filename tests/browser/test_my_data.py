"""A client reads and downloads their own copy on a phone."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


@pytest.mark.parametrize("width", [390, 320])
def test_a_client_reads_and_downloads_their_data(new_context, live_server, width):
    page = new_context(viewport={"width": width, "height": 800}, accept_downloads=True).new_page()
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/settings#my-data")
    page.locator("#my-data").get_by_role("link", name="See your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(page.get_by_role("heading", name="Daily check-ins")).to_be_visible()
    expect(page.get_by_role("heading", name="Who looked at or changed your record")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"my-data-{width}", full_page=False)  # the page runs long: its top
    page.locator("#data-checkins").scroll_into_view_if_needed()
    screenshot(page, f"my-data-checkins-{width}", full_page=False)
    with page.expect_download() as info:
        page.get_by_role("main").get_by_role("link", name="Download it (JSON)").click()
    download = info.value
    assert download.suggested_filename.startswith("my-portal-data-")
    data = json.loads(Path(download.path()).read_text())
    assert data["sections"]["profile"][0]["email"] == "client@example.org"
    assert data["sections"]["checkins"]
