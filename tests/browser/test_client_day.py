"""The client's day on a small phone: taking back "I can't make it", the help lines at 320 px,
homework that asks before going in blank, and the family page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

SMALL = {"width": 320, "height": 640}


def test_i_cant_make_it_can_be_taken_back(new_context, live_server):
    phone = new_context().new_page()
    sign_in(phone, live_server, "client2@example.org")
    phone.goto(live_server.url + "/calendar")
    phone.locator(".session-row:not(.is-cancelled) a").last.click()
    phone.get_by_role("radio", name="Can't make it").check()
    phone.get_by_role("button", name="Tell my care team").click()
    notice = phone.locator("#notice")
    expect(notice.get_by_role("status")).to_contain_text("Sent. Your care team can see it now.")
    expect(notice).to_contain_text("You will not get reminders for this session.")
    phone.get_by_role("button", name="Take it back — I am coming").click()
    expect(notice.get_by_role("status")).to_contain_text("Taken back.")
    expect(notice.get_by_role("button", name="Take it back — I am coming")).to_have_count(0)
    screenshot(phone, "cant-make-it-taken-back")

    staff = new_context().new_page()
    sign_in(staff, live_server, "counselor@example.org")
    staff.goto(live_server.url + "/care/notices")
    expect(staff.get_by_role("main")).to_contain_text("taken back")


@pytest.mark.parametrize("width", [320, 390])
def test_the_help_lines_keep_their_numbers_whole(new_context, live_server, width):
    page = new_context(viewport={"width": width, "height": 700}).new_page()
    sign_in(page, live_server, "client@example.org")
    page.get_by_role("banner").get_by_role("link", name="Get help now").click()
    dialog = page.get_by_role("dialog")
    for name in ("Call 988", "Call 1-800-662-4357"):
        box = dialog.get_by_role("link", name=name).bounding_box()
        assert box["height"] < 56, (name, box)  # one line: a 48 px button, no second row
        assert box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"help-panel-{width}")


def test_client_pages_fit_320_pixels(new_context, live_server):
    page = new_context(viewport=SMALL).new_page()
    sign_in(page, live_server, "client@example.org")
    for path in (
        "/today",
        "/calendar",
        "/progress",
        "/meetings/attendance",
        "/homework",
        "/settings",
        "/recovery-plan",
    ):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    page.goto(live_server.url + "/progress")
    expect(page.get_by_role("main")).to_contain_text("as day 1")
    screenshot(page, "progress-320")


def test_the_family_page_says_what_it_is_and_where_family_find_support(new_context, live_server):
    page = new_context(viewport=SMALL).new_page()
    sign_in(page, live_server, "family@example.org")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Nothing else is shared with you")
    support = main.get_by_role("region", name="Support for you")
    expect(support.get_by_role("link", name="Call 1-800-662-4357")).to_have_attribute(
        "href", "tel:18006624357"
    )
    expect(support.get_by_role("link", name="Al-Anon's website")).to_be_visible()
    expect(support.get_by_role("link", name="Nar-Anon's website")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "family-320")


def test_homework_with_no_answers_asks_before_it_goes_in(new_context, live_server):
    page = new_context(viewport=SMALL).new_page()
    sign_in(page, live_server, "client@example.org")  # nothing is handed in: the shared server
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Homework").click()
    page.get_by_role("link", name="Thought record").click()
    page.get_by_role("button", name="Hand it in").click()
    ask = page.get_by_role("alert")
    expect(ask).to_contain_text("You have not written any answers yet. Hand it in anyway?")
    expect(ask.get_by_role("link", name="Go back and answer")).to_be_visible()
    screenshot(page, "homework-blank-asks")
    ask.get_by_role("link", name="Go back and answer").click()
    expect(page.get_by_role("button", name="Hand it in without answers")).to_be_visible()
