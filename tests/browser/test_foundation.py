"""The foundation in a real browser: sign-in per role, throttling, htmx with SRI, the help panel."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import path_of, screenshot, sign_in

HOMES = [
    ("client@example.org", "/today", "Hi, Alex"),
    ("client2@example.org", "/today", "Hi, Sam"),
    ("family@example.org", "/family/", "Family sessions"),
    ("counselor@example.org", "/care/", "Needs you now"),
]


@pytest.mark.parametrize(("email", "home", "heading"), HOMES)
def test_each_demo_account_lands_on_its_home_page(page, live_server, email, home, heading):
    sign_in(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert path_of(page) == home
    assert page.csp_errors == []
    screenshot(
        page,
        {"/today": "today", "/family/": "family", "/care/": "care-team"}[home]
        if email != "client2@example.org"
        else "today-2",
    )


def test_the_login_page(page, live_server):
    page.goto(live_server.url + "/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")


def test_a_wrong_password_shows_a_message_next_to_the_field(page, live_server):
    sign_in(page, live_server, "client2@example.org", "not my password")
    error = page.locator("#password-error")
    expect(error).to_contain_text("do not match")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    assert "Something went wrong" not in page.content()


def test_the_eleventh_wrong_try_is_refused_but_others_still_sign_in(new_context, live_server):
    page = new_context().new_page()
    statuses = []
    page.on(
        "response",
        lambda r: (
            statuses.append(r.status)
            if r.url.endswith("/login") and r.request.method == "POST"
            else None
        ),
    )
    page.goto(live_server.url + "/login")
    for _ in range(11):
        page.get_by_label("Email").fill("family@example.org")
        page.get_by_label("Password", exact=True).fill("guessing wrong")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    assert statuses == [401] * 10 + [429]
    expect(page.get_by_role("alert")).to_contain_text("paused for a few minutes")
    screenshot(page, "throttled")
    other = new_context().new_page()  # same address, another account
    sign_in(other, live_server, "client2@example.org")
    expect(other.get_by_role("heading", level=1)).to_have_text("Hi, Sam")


def test_htmx_loads_from_the_pinned_url_with_its_integrity_hash(page, live_server):
    sign_in(page, live_server, "counselor@example.org")
    # On a busy machine the check could run before the home page's deferred scripts did.
    page.wait_for_url("**/care/")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.version") == "2.0.11"
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.csp_errors == []


def test_care_team_search_updates_the_list_as_you_type(page, live_server):
    sign_in(page, live_server, "counselor@example.org")
    expect(page.locator("#client-list")).to_contain_text("Sam Lee")
    page.get_by_label("Find a client").fill("alex")
    expect(page.locator("#client-list")).not_to_contain_text("Sam Lee")
    expect(page.locator("#client-list")).to_contain_text("Alex Morgan")
    assert "q=alex" in page.url


CRISIS_PAGES = [
    (None, "/login"),
    (None, "/help"),
    ("client@example.org", "/today"),
    ("client@example.org", "/more"),
    ("client@example.org", "/settings"),
    ("client@example.org", "/support-contacts"),
    ("family@example.org", "/family/"),
    ("counselor@example.org", "/care/"),
    ("counselor@example.org", "/care/clients/new"),
    ("counselor@example.org", "/care/staff"),
    (None, "/no-such-page"),
]


@pytest.mark.parametrize(("email", "path"), CRISIS_PAGES)
def test_get_help_now_opens_the_panel_from_every_page(page, live_server, email, path):
    if email:
        sign_in(page, live_server, email)
    page.goto(live_server.url + path)
    page.get_by_role("banner").get_by_role("link", name="Get help now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(dialog.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(dialog.get_by_role("link", name="Call 1-800-662-4357")).to_have_attribute(
        "href", "tel:18006624357"
    )
    if email == "client@example.org":
        expect(dialog).to_contain_text("Chris (sponsor)")
        if path == "/today":
            screenshot(page, "help-panel")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_a_new_client_sets_up_their_account_from_the_qr_link(new_context, live_server):
    staff = new_context().new_page()
    sign_in(staff, live_server, "counselor@example.org")
    staff.get_by_role("link", name="New client").click()
    staff.get_by_label("Name").fill("Riley Newcomer")
    staff.get_by_label("Email").fill("riley@example.org")
    staff.get_by_role("button", name="Create account").click()
    expect(staff.get_by_role("img", name="QR code of the setup link")).to_be_visible()
    screenshot(staff, "setup-link")
    link = staff.locator(".setup-url code").inner_text()

    phone = new_context().new_page()
    phone.goto(link)
    phone.get_by_label("New password").fill("password")
    phone.get_by_label("Type it again").fill("password")
    phone.get_by_role("button", name="Save my password").click()
    expect(phone.locator("#password-error")).to_contain_text("too common")
    phone.get_by_label("New password").fill("riley walks the dog")
    phone.get_by_label("Type it again").fill("riley walks the dog")
    phone.get_by_role("button", name="Save my password").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hi, Riley")


def test_sign_out_ends_the_session_and_clears_what_the_browser_kept(page, live_server):
    sign_in(page, live_server, "client2@example.org")
    page.evaluate("""async () => {
        localStorage.setItem('left-behind', 'x');
        const cache = await caches.open('portal-pages-test');
        await cache.put('/today', new Response('personal'));
    }""")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")
    assert page.evaluate("localStorage.getItem('left-behind')") is None
    assert "portal-pages-test" not in page.evaluate("caches.keys()")
    page.goto(live_server.url + "/today")
    assert path_of(page).startswith("/login")


def test_pages_fit_a_320_pixel_screen(new_context, live_server):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, live_server, "client@example.org")
    for path in ("/today", "/support-contacts", "/settings", "/help"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
