"""The check-in in a real browser: taps only, the crisis panel for a hard day, and the outbox.

"Offline" means the server is stopped (see test_offline.py); the same LiveServer object starts
again on the same port and database, as the signal coming back.
"""

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer

NOT_TOLD = (
    "Saved on this phone. Your care team has not been told yet. "
    "They will be as soon as this phone is back online."
)


@pytest.fixture
def own_server(tmp_path, browser):
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def group(page, legend: str):
    return page.get_by_role("group", name=legend)


def fill_check_in(page, craving: str = "3", t=str) -> None:
    """Answer every question by tapping, the way a client would (`t` translates the labels)."""
    group(page, t("How are you feeling today?")).get_by_role(
        "radio", name=t("Good"), exact=True
    ).click()
    group(page, t("How strong is your craving right now?")).get_by_role(
        "radio", name=craving, exact=True
    ).click()
    group(page, t("Any alcohol or drug use since your last check-in?")).get_by_role(
        "radio", name=t("No"), exact=True
    ).click()
    group(page, t("How did you sleep last night?")).get_by_role(
        "radio", name=t("Well"), exact=True
    ).click()
    group(page, t("Did you meet any of these today?")).get_by_role(
        "checkbox", name=t("Tired"), exact=True
    ).click()
    group(page, t("What helped today?")).get_by_role(
        "checkbox", name=t("Went to a meeting"), exact=True
    ).click()
    group(page, t("How sure are you that you will stay on track today?")).get_by_role(
        "radio", name="7", exact=True
    ).click()
    group(page, t("Have you had thoughts of hurting yourself?")).get_by_role(
        "radio", name=t("No"), exact=True
    ).click()


def stored(server: LiveServer, email: str) -> tuple[int, int]:
    """Count the check-ins and idempotency keys the server holds for one person."""
    with sqlite3.connect(server.workdir / "browser.sqlite3") as conn:
        (user_id,) = conn.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
        checkins = conn.execute("SELECT count(*) FROM checkins WHERE client_id = ?", (user_id,))
        keys = conn.execute(
            "SELECT count(*) FROM idempotency_keys WHERE owner_id = ? AND scope = 'checkin'",
            (user_id,),
        )
        return checkins.fetchone()[0], keys.fetchone()[0]


def outbox_size(page) -> int:
    return page.evaluate("PortalOutbox.entries().then(e => e.length)")


def wait_for_empty_outbox(page, seconds: float = 10) -> None:
    for _ in range(int(seconds * 10)):
        if outbox_size(page) == 0:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the outbox was not sent")


def test_a_high_craving_shows_the_crisis_panel_at_once(page, live_server):
    sign_in(page, live_server, "client2@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily check-in")
    screenshot(page, "checkin")
    fill_check_in(page, craving="9")
    page.get_by_role("button", name="Save my check-in").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="You do not have to face this alone")).to_be_visible()
    expect(main.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(main.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(main).to_contain_text("Strong cravings rise and then pass")
    assert page.csp_errors == []
    screenshot(page, "checkin-crisis")


def test_a_value_out_of_range_gets_a_message_by_the_field(page, live_server):
    sign_in(page, live_server, "client2@example.org")
    page.goto(live_server.url + "/checkin")
    fill_check_in(page)
    page.evaluate("document.querySelector('input[name=craving]:checked').value = '11'")
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.locator("#craving-error")).to_have_text("Choose a number from 0 to 10.")
    expect(page.get_by_role("alert")).to_contain_text("need another look")


def test_the_trend_and_history_show_for_the_demo_client(page, live_server):
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/checkins")
    expect(page.get_by_role("img", name="Craving")).to_be_visible()
    expect(page.get_by_text("days in a row")).to_be_visible()
    page.get_by_text("Show the numbers").click()
    expect(page.get_by_role("table")).to_contain_text("Confidence")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "checkin-history")


@pytest.mark.parametrize("comes_back_by", ["online event", "next page load", "sign-out"])
def test_a_check_in_made_offline_is_sent_exactly_once(new_context, own_server, comes_back_by):
    page = new_context().new_page()
    email = "client2@example.org"
    sign_in(page, own_server, email)
    page.goto(own_server.url + "/checkin")
    fill_check_in(page, craving="9")

    own_server.stop()
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.locator("[data-outbox-status]")).to_have_text(NOT_TOLD)
    # A high craving opens the help panel at once, with no network at all, and says in the
    # panel itself (not behind it) that the care team has not been told yet.
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("link", name="Call 988")).to_be_visible()
    expect(dialog.get_by_role("status")).to_have_text(NOT_TOLD)
    if comes_back_by == "online event":
        screenshot(page, "checkin-offline")
    dialog.get_by_role("button", name="Close").click()
    assert outbox_size(page) == 1
    assert stored(own_server, email) == (0, 0)

    own_server.start()
    if comes_back_by == "online event":
        page.context.set_offline(True)
        page.context.set_offline(False)
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for checking in")
        expect(page.get_by_role("main")).to_contain_text("Strong cravings rise and then pass")
        page.reload()  # and a page load finds nothing left to send
    elif comes_back_by == "next page load":
        page.goto(own_server.url + "/today")
        wait_for_empty_outbox(page)
    else:
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert stored(own_server, email) == (1, 1)
    if comes_back_by != "sign-out":
        assert outbox_size(page) == 0


def test_the_check_in_pages_fit_a_320_pixel_screen(new_context, live_server):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, live_server, "client@example.org")
    for path in ("/checkin", "/checkins", "/recovery-plan"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    screenshot(page, "recovery-plan")


def test_the_counselor_reviews_a_flagged_check_in(new_context, page, live_server):
    phone = new_context().new_page()
    sign_in(phone, live_server, "client2@example.org")
    phone.goto(live_server.url + "/checkin")
    fill_check_in(phone, craving="10")
    phone.get_by_role("button", name="Save my check-in").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you for checking in")

    sign_in(page, live_server, "counselor@example.org")
    page.get_by_role("navigation", name="Care team").get_by_role("link", name="Check-ins").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-ins")
    page.get_by_role("link", name="Sam Lee").first.click()
    expect(page.get_by_role("img", name="Craving")).to_be_visible()
    card = page.locator("article.needs-review").first
    card.get_by_label("Called the client").check()
    card.get_by_label("Note", exact=True).fill("Called Sam; safe tonight.")
    card.get_by_role("button", name="Save the review").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as reviewed.")
    expect(page.get_by_text("Called Sam; safe tonight.")).to_be_visible()
    assert page.csp_errors == []
