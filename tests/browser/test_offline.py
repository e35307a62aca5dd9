"""With the network gone: the help panel still opens, and the help page comes from the worker.

"Offline" here means the server is stopped, the honest way: Playwright's offline switch does
not always cut a service worker's own fetches.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import path_of, screenshot, sign_in
from tests.browser.server import LiveServer
from tests.browser.test_checkins import fill_check_in, stored, wait_for_empty_outbox


@pytest.fixture
def own_server(tmp_path, browser):
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def wait_for_worker(page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null || caches.keys().then(k => k.length > 0)"
    )


def test_help_works_with_the_network_off(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "client@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Alex")
    wait_for_worker(page)
    own_server.stop()

    # The panel is part of the page already on screen.
    page.get_by_role("banner").get_by_role("link", name="Get help now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("link", name="Call 988")).to_be_visible()
    expect(dialog).to_contain_text("Chris (sponsor)")
    dialog.get_by_role("button", name="Close").click()

    # The help page itself comes from the worker's cache.
    page.goto(own_server.url + "/help")
    expect(page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("link", name="Call 1-800-662-4357")).to_be_visible()

    # A page that was never kept gives the offline page, which still leads to help.
    page.goto(own_server.url + "/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection right now")
    page.get_by_role("main").get_by_role("link", name="Get help now").click()
    expect(page.get_by_role("dialog").get_by_role("link", name="Call 988")).to_be_visible()


def test_the_cached_help_page_holds_nothing_personal(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "client@example.org")
    wait_for_worker(page)
    cached = page.evaluate("""async () => {
        // The shell is shared by whoever uses the phone; personal copies live apart, in
        // portal-pages, which sign-out clears (tests/browser/test_pwa.py).
        const names = (await caches.keys()).filter((n) => n.startsWith('portal-shell-'));
        let text = '';
        for (const name of names) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const r = await cache.match(request);
                if ((r.headers.get('Content-Type') || '').includes('html')) text += await r.text();
            }
        }
        return text;
    }""")
    assert "tel:988" in cached
    assert "Chris (sponsor)" not in cached and "Alex" not in cached


def kept_copy(page, path: str, seconds: float = 30) -> None:
    """Wait until the worker keeps a copy of a page (evaluate awaits the cache's promise)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(
            "(p) => caches.open('portal-pages').then(c => c.match(p)).then(r => !!r)", path
        ):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{path} was not kept for offline use")


@pytest.mark.parametrize("width", [390, 320])
def test_one_visit_to_today_is_enough_for_a_day_with_no_signal(new_context, own_server, width):
    page = new_context(viewport={"width": width, "height": 740}).new_page()
    sign_in(page, own_server, "client2@example.org")  # lands on Today, the only page visited
    wait_for_worker(page)
    for path in ("/today", "/checkin", "/calendar", "/recovery-plan"):
        kept_copy(page, path)
    start_url = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")["start_url"]
    assert start_url == "/"
    own_server.stop()

    # The installed app opens its start URL, "/", which leads to the person's home.
    page.goto(own_server.url + start_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Sam")
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Offline — as of")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"offline-start-{width}")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily check-in")
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    fill_check_in(page)
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.locator("[data-outbox-status]")).to_have_text(
        "Saved on this phone. It will be sent when you are back online."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"offline-checkin-{width}")
    assert stored(own_server, "client2@example.org") == (0, 0)

    for path, heading in (
        ("/calendar", "Calendar"),
        ("/recovery-plan", "Your recovery plan"),
        ("/help", "Get help now"),
    ):
        other = page.context.new_page()
        other.goto(own_server.url + path)
        expect(other.get_by_role("heading", level=1)).to_have_text(heading)
        expect(other.locator("[data-offline-banner]")).to_be_visible()
        other.close()

    own_server.start()
    page.context.set_offline(True)
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for checking in")
    page.goto(own_server.url + "/today")  # a second chance to send finds nothing left
    wait_for_empty_outbox(page)
    assert stored(own_server, "client2@example.org") == (1, 1)


def test_the_family_member_gets_their_page_offline_and_staff_keep_nothing(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "family@example.org")
    wait_for_worker(page)
    kept_copy(page, "/family/")
    staff = new_context().new_page()
    sign_in(staff, own_server, "counselor@example.org")
    wait_for_worker(staff)
    staff.wait_for_timeout(500)
    count = "caches.open('portal-pages').then(c => c.keys()).then(k => k.length)"
    assert staff.evaluate(count) == 0
    own_server.stop()
    page.goto(own_server.url + "/")
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


CACHED_BYTES = """async () => {
    const sizes = {};
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const body = await (await cache.match(request)).arrayBuffer();
            const kind = name.startsWith('portal-shell-') ? 'shell' : name;
            sizes[kind] = (sizes[kind] || 0) + body.byteLength;
        }
    }
    return sizes;
}"""
# What the first signed-in visit stores for offline use, uncompressed (README, "Offline").
FIRST_VISIT_BUDGET_KB = {"client": 200, "family": 120, "staff": 120}


@pytest.mark.parametrize(
    ("email", "role", "waits_for"),
    [
        ("client@example.org", "client", "/recovery-plan"),
        ("family@example.org", "family", "/family/"),
        ("counselor@example.org", "staff", None),
    ],
)
def test_what_the_first_visit_keeps_is_small(new_context, own_server, email, role, waits_for):
    page = new_context().new_page()
    sign_in(page, own_server, email)
    wait_for_worker(page)
    if waits_for:
        kept_copy(page, waits_for)
    else:
        page.wait_for_timeout(1000)
    sizes = page.evaluate(CACHED_BYTES)
    total_kb = sum(sizes.values()) / 1024
    print(f"\nfirst visit keeps, {role}: {total_kb:.0f} KB {sizes}")
    assert total_kb < FIRST_VISIT_BUDGET_KB[role], sizes
    if role == "staff":
        assert "portal-pages" not in sizes or sizes["portal-pages"] == 0


def test_homework_opened_once_is_there_with_no_signal(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "client@example.org")
    wait_for_worker(page)
    page.goto(own_server.url + "/homework")
    page.get_by_role("link", name="Read: coping with cravings").click()
    path = path_of(page)
    kept_copy(page, path)
    own_server.stop()
    page.goto(own_server.url + "/today")
    page.goto(own_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Read: coping with cravings")
    expect(page.locator("[data-offline-banner]")).to_be_visible()
