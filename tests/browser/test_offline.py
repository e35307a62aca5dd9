"""With the network gone: the help panel still opens, and the help page comes from the worker.

"Offline" here means the server is stopped, the honest way: Playwright's offline switch does
not always cut a service worker's own fetches.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.server import LiveServer


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
