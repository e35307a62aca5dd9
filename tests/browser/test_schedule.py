"""The calendar in a real browser: Today, the views, "I can't make it", attendance, the feed."""

import re

from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


def test_today_shows_the_next_session_large(page, live_server):
    sign_in(page, live_server, "client@example.org")
    card = page.locator(".next-session")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Map")).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/\?api=1&query=1200")
    )
    expect(card).to_contain_text(re.compile(r"(AM|PM)"))
    screenshot(page, "today")


def test_calendar_views(page, live_server):
    sign_in(page, live_server, "client@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")
    expect(page.locator(".session-row").first).to_be_visible()
    expect(page.locator(".badge.cancelled").first).to_be_visible()  # the demo's cancelled group
    screenshot(page, "calendar")
    page.get_by_role("link", name="Week").click()
    expect(page.locator("section.day")).to_have_count(7)
    page.get_by_role("link", name="Previous week").click()
    page.get_by_role("link", name="Previous week").click()
    expect(page.locator(".badge.status-attended").first).to_be_visible()
    page.get_by_role("link", name="Month").click()
    expect(page.locator("table.month caption")).to_be_visible()
    screenshot(page, "calendar-month")


def test_cant_make_it_reaches_the_care_team(new_context, live_server):
    phone = new_context().new_page()
    sign_in(phone, live_server, "client2@example.org")
    phone.goto(live_server.url + "/calendar")
    phone.locator(".session-row:not(.is-cancelled) a").first.click()
    phone.get_by_role("radio", name="Can't make it").check()
    phone.get_by_label("A few words for your care team (optional)").fill("Working late tonight")
    before = phone.url
    phone.get_by_role("button", name="Tell my care team").click()
    expect(phone.get_by_role("status")).to_contain_text("Sent to your care team: Can't make it")
    assert phone.url == before  # htmx swapped the notice in place
    screenshot(phone, "cant-make-it")

    staff = new_context().new_page()
    sign_in(staff, live_server, "counselor@example.org")
    expect(staff.locator("#notices")).to_contain_text("Sam Lee")
    expect(staff.locator("#notices")).to_contain_text("Working late tonight")


def test_attendance_in_a_few_taps_at_phone_size(new_context, live_server):
    staff = new_context().new_page()
    sign_in(staff, live_server, "counselor@example.org")
    staff.get_by_role("link", name="Sessions").click()
    staff.get_by_text("The last 7 days").click()  # the list opens at today; attendance is past
    staff.locator(".past-sessions .session-row a", has_text="Evening group").first.click()
    staff.get_by_role("link", name="Take attendance").click()
    roster = staff.locator("fieldset.roster")
    expect(roster).to_have_count(2)
    roster.filter(has_text="Alex Morgan").get_by_label("Attended").check()
    roster.filter(has_text="Sam Lee").get_by_label("Late").check()
    screenshot(staff, "attendance")
    staff.get_by_role("button", name="Save, and mark everyone I left blank as attended").click()
    expect(staff.get_by_role("status")).to_contain_text("Attendance saved")


def test_progress_page(page, live_server):
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/progress")
    expect(page.get_by_role("heading", name=re.compile(r"Week \d+ of 12"))).to_be_visible()
    expect(page.locator("progress.hours")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("One more unexcused absence")
    screenshot(page, "progress")


def test_the_calendar_feed_from_settings(page, live_server):
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/settings")
    page.get_by_role("button", name="Get my calendar address").click()
    link = page.get_by_role("link", name="Add to my calendar")
    expect(link).to_have_attribute("href", re.compile(r"^webcal://127\.0\.0\.1:\d+/feeds/.+\.ics$"))
    url = page.locator("#calendar-feed code").inner_text()
    screenshot(page, "settings-feed")
    response = page.context.request.get(url)
    assert response.ok
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert events and {str(e["SUMMARY"]) for e in events} == {"Appointment"}
