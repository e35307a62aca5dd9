"""The installable, offline-first app in Chromium: installability, offline copies, sign-out on a
shared phone, the update notice, accessibility (axe-core) and page weight.

"Offline" means the server is stopped: Playwright's offline switch does not always cut a
service worker's own fetches.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer
from tests.browser.vendor import axe_file


@pytest.fixture
def own_server(tmp_path, browser):
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def controlled(page) -> None:
    """Wait until the page is controlled by the active service worker."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def kept(page, path: str) -> bool:
    return page.evaluate(
        "(p) => caches.open('portal-pages').then(c => c.match(p)).then(r => !!r)", path
    )


def test_the_manifest_passes_chromiums_installability_check(new_context, own_server):
    page = new_context().new_page()
    page.goto(own_server.url + "/login")
    controlled(page)
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert manifest["name"] == "Portal" and manifest["display"] == "standalone"


def test_today_offline_shows_the_last_copy_with_a_banner(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "client@example.org")
    controlled(page)
    page.goto(own_server.url + "/today")
    page.goto(own_server.url + "/calendar")
    page.goto(own_server.url + "/recovery-plan")
    for path in ("/today", "/calendar", "/recovery-plan"):
        page.wait_for_function(
            "(p) => caches.open('portal-pages').then(c => c.match(p)).then(r => !!r)", arg=path
        )
    own_server.stop()

    page.goto(own_server.url + "/today")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Alex")
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Offline — as of \d{1,2}:\d{2}\s?[AP]M"))
    screenshot(page, "offline-today")
    page.goto(own_server.url + "/calendar")
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    page.goto(own_server.url + "/recovery-plan")
    expect(page.locator("[data-offline-banner]")).to_be_visible()

    page.goto(own_server.url + "/meetings")  # never visited: the offline page, which links help
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection right now")
    page.get_by_role("main").get_by_role("link", name="Get help now").click()
    expect(page.get_by_role("dialog").get_by_role("link", name="Call 988")).to_be_visible()


def test_after_sign_out_nothing_of_the_last_person_is_left(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "client@example.org")
    controlled(page)
    page.goto(own_server.url + "/today")
    page.wait_for_function(
        "caches.open('portal-pages').then(c => c.match('/today')).then(r => !!r)"
    )
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert not kept(page, "/today")
    controlled(page)  # the worker comes back for the sign-in page, with nothing personal
    own_server.stop()
    for path in ("/today", "/calendar", "/recovery-plan"):
        page.goto(own_server.url + path)
        content = page.content()
        assert "Alex" not in content and "Chris (sponsor)" not in content, path
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection right now")


def test_a_new_deploy_shows_the_update_notice(new_context, tmp_path, browser):
    server = LiveServer(tmp_path, {"RELEASE": "1"}).prepare().start()
    try:
        page = new_context().new_page()
        page.goto(server.url + "/login")
        controlled(page)
        expect(page.locator("[data-update-notice]")).to_be_hidden()
        server.stop()
        server.env["RELEASE"] = "2"
        server.start()
        page.reload()
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        notice = page.locator("[data-update-notice]")
        expect(notice).to_be_visible(timeout=15000)
        screenshot(page, "update-available")
        old = page.evaluate("navigator.serviceWorker.controller.scriptURL")
        with page.expect_navigation():
            notice.get_by_role("button", name="Reload").click()
        page.wait_for_function("!!navigator.serviceWorker.controller")
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == old
        expect(page.locator("[data-update-notice]")).to_be_hidden()
    finally:
        server.stop()


CLIENT_PAGES = [
    "/today",
    "/calendar",
    "/calendar?view=week",
    "/calendar?view=month",
    "/progress",
    "/checkin",
    "/checkins",
    "/recovery-plan",
    "/support-contacts",
    "/more",
    "/settings",
    "/help",
    "/meetings",
    "/meetings/mine",
    "/meetings/attendance",
    "/meetings/1",
    "/family/consents",
    "/family/consents/new",
    "/family/disclosures",
    "/family/consents/1",
]
FAMILY_PAGES = ["/family/", "/family/consents/1/copy", "/settings", "/help", "/family/join"]
PUBLIC_PAGES = ["/login", "/help", "/offline", "/family/join"]


def axe_violations(page) -> list:
    """Run axe-core in the page (through the DevTools protocol, so the CSP does not apply)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe_file().read_text())
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]


def first_session_url(page, base: str) -> str:
    page.goto(base + "/calendar")
    return page.locator(".session-row:not(.is-meeting) a").first.get_attribute("href")


@pytest.mark.parametrize("who", ["anonymous", "client@example.org", "family@example.org"])
def test_axe_finds_no_violations_on_any_page(new_context, live_server, who):
    page = new_context().new_page()
    pages = PUBLIC_PAGES
    if who != "anonymous":
        sign_in(page, live_server, who)
        pages = CLIENT_PAGES if who.startswith("client") else FAMILY_PAGES
    if who.startswith("client"):
        pages = [*pages, first_session_url(page, live_server.url)]
    if who.startswith("family"):
        page.goto(live_server.url + "/family/")
        pages = [*pages, page.locator(".session-row a").first.get_attribute("href")]
    found = {}
    for path in pages:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
        page.get_by_role("banner").get_by_role("link", name="Get help now").click()
        dialog_violations = axe_violations(page)  # the help panel, open
        if dialog_violations:
            found[path + " (help open)"] = dialog_violations
    assert found == {}


@pytest.mark.parametrize("who", ["client@example.org", "family@example.org"])
def test_every_page_reflows_at_320_pixels_and_at_200_percent_zoom(new_context, live_server, who):
    narrow = new_context(viewport={"width": 320, "height": 640}).new_page()
    zoomed = new_context(viewport={"width": 640, "height": 900}).new_page()
    pages = CLIENT_PAGES if who.startswith("client") else FAMILY_PAGES
    for page in (narrow, zoomed):
        sign_in(page, live_server, who)
    for path in pages:
        narrow.goto(live_server.url + path)
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 320, path
        zoomed.goto(live_server.url + path)
        zoomed.evaluate("document.documentElement.style.zoom = '2'")
        assert zoomed.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
        ), path
        tiny = zoomed.evaluate("""() => [...document.querySelectorAll(
            'main a, main button, main input:not([type=hidden]), main select, main textarea')]
            .filter(e => e.offsetParent && !e.closest('p, li, td, dd, label'))
            .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 * 2 - 1; })
            .map(e => e.outerHTML.slice(0, 80))""")
        assert tiny == [], (path, tiny)


def test_the_first_visit_of_today_is_under_100_kb_and_a_repeat_loads_only_the_html(
    new_context, live_server
):
    context = new_context()
    page = context.new_page()
    sign_in(page, live_server, "client2@example.org")
    fresh = new_context()
    fresh.add_cookies(context.cookies())
    page = fresh.new_page()
    cdp = fresh.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    sizes = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(live_server.url + "/today")
    page.wait_for_load_state("networkidle")
    first = sum(sizes.values())
    assert first < 100 * 1024, first
    controlled(page)
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto(live_server.url + "/today")
    page.wait_for_load_state("networkidle")
    from_network = [
        r.url
        for r in responses
        if not r.from_service_worker and r.request.resource_type != "document"
    ]
    assert from_network == []
    print(f"first visit of Today: {first} bytes in {len(sizes)} responses")
