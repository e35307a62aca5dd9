"""Meetings in a real browser: search, save, the calendar, "I went", the weekly goal moving."""

from playwright.sync_api import expect

from tests.browser.conftest import path_of, screenshot, sign_in


def test_find_save_see_in_my_meetings_log_and_watch_the_goal_move(page, live_server):
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/meetings/attendance")
    expect(page.locator("#meeting-goal")).to_contain_text("2 of 3 this week")

    page.goto(live_server.url + "/meetings")
    results = page.locator("#meeting-results")
    expect(results).to_contain_text("Grupo Esperanza")
    page.get_by_label("Name or place").fill("serenity")  # htmx swaps the results as you type
    expect(results).not_to_contain_text("Grupo Esperanza")
    expect(results).to_contain_text("Serenity Seekers")
    assert "q=serenity" in page.url
    page.get_by_label("Type").select_option(label="Open")
    expect(results).to_contain_text("Serenity Seekers")
    screenshot(page, "meetings-find")

    results.get_by_role("link", name="Serenity Seekers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Serenity Seekers")
    page.get_by_label("Remind me").select_option(label="30 minutes before")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("status")).to_contain_text("Saved to My meetings.")
    screenshot(page, "meeting")

    page.goto(live_server.url + "/meetings/mine")
    mine = page.locator(".meeting-list")
    expect(mine).to_contain_text("Serenity Seekers")
    expect(mine).to_contain_text("30 minutes before")
    expect(mine).to_contain_text("Keep It Simple")  # saved by the demo
    screenshot(page, "my-meetings")

    page.goto(live_server.url + "/calendar")  # saved meetings join the client's calendar
    expect(page.locator(".is-meeting", has_text="Serenity Seekers").first).to_be_visible()
    page.goto(live_server.url + "/meetings/mine")

    mine.get_by_role("link", name="Serenity Seekers").click()
    page.get_by_label("Note (optional)").fill("Went with my sponsor")
    page.get_by_role("button", name="I went").click()
    assert path_of(page) == "/meetings/attendance"
    expect(page.locator("#meeting-goal")).to_contain_text("3 of 3 this week")
    expect(page.locator(".attendance-log")).to_contain_text("Serenity Seekers")
    expect(page.locator(".attendance-log")).to_contain_text("Went with my sponsor")
    screenshot(page, "meeting-log")
    assert page.csp_errors == []


def test_the_counselor_sees_the_log_and_sets_the_goal(page, live_server):
    sign_in(page, live_server, "counselor@example.org")
    page.get_by_role("link", name="Alex Morgan", exact=True).first.click()
    page.get_by_role("link", name="Meetings: goal and attendance log").click()
    expect(page.locator(".attendance-log")).to_contain_text("Keep It Simple")
    expect(page.get_by_label("Meetings a week (0 for no goal)")).to_have_value("3")


def test_meeting_pages_fit_a_320_pixel_screen(new_context, live_server):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, live_server, "client2@example.org")
    for path in ("/meetings", "/meetings/mine", "/meetings/attendance", "/meetings/1"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
