"""Reminders in a real browser: the settings section, and a push delivered to the real service
worker through the DevTools Protocol (headless Chromium cannot subscribe to a real service)."""

import json
import time

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

SHOWN = """async () => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications();
    return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}));
}"""


def registration_id(cdp, page) -> str:
    """Enable the ServiceWorker domain and read the id of this page's origin's registration."""
    origin = page.evaluate("location.origin") + "/"
    found = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(
            r for r in event["registrations"] if not r["isDeleted"] and r["scopeURL"] == origin
        ),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 30
    while not found and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert found, "no service worker registration reported"
    return found[0]["registrationId"]


def deliver_until_shown(cdp, page, registration: str, payload: dict) -> dict:
    """Deliver a push through DevTools and return the notification it shows.

    On a loaded machine Chromium now and then drops a protocol-delivered push that arrives while
    the worker is starting; a real push service retries until it is acknowledged, and so does this
    (the tag makes a second delivery replace the first, never add to it).
    """
    for _ in range(4):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": page.evaluate("location.origin"),
                "registrationId": registration,
                "data": json.dumps(payload),
            },
        )
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            notifications = [n for n in page.evaluate(SHOWN) if n["tag"] == payload["tag"]]
            if notifications:
                return notifications[0]
            page.wait_for_timeout(50)
    raise AssertionError("the service worker showed no notification for the push")


def shown(page, count: int, until=lambda notifications: True) -> list[dict]:
    """Wait (on a loaded machine, up to 30 s) until `count` notifications show and `until` holds."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        notifications = page.evaluate(SHOWN)
        if len(notifications) == count and until(notifications):
            return notifications
        page.wait_for_timeout(50)
    return page.evaluate(SHOWN)


def test_the_settings_section_shows_this_phones_state(new_context, live_server):
    page = new_context(permissions=["notifications"]).new_page()
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/settings#notifications")
    section = page.locator("#notifications")
    expect(section.get_by_role("button", name="Turn on reminders")).to_be_visible()
    expect(section.get_by_label("Before each session")).to_have_value("60")
    expect(section.get_by_label("The evening before, at 7 PM")).to_be_checked()
    expect(section.get_by_label("Quiet from")).to_have_value("22:00")
    section.scroll_into_view_if_needed()
    screenshot(page, "settings-reminders")


def test_a_browser_that_cannot_subscribe_says_so_not_check_your_connection(
    new_context, live_server
):
    # Headless Chromium refuses pushManager.subscribe even with permission: like a browser
    # that cannot do push here. The network is fine, so the message must not blame it.
    page = new_context(permissions=["notifications"]).new_page()
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/settings#notifications")
    section = page.locator("#notifications")
    section.get_by_role("button", name="Turn on reminders").click()
    error = section.locator("[data-push-error]")
    expect(error).to_contain_text("This browser could not turn on reminders")
    expect(error).not_to_contain_text("connection")


def test_blocked_permission_says_how_to_unblock(new_context, live_server):
    context = new_context()
    page = context.new_page()
    sign_in(page, live_server, "client@example.org")
    cdp = context.new_cdp_session(page)
    cdp.send(
        "Browser.setPermission",
        {"permission": {"name": "notifications"}, "setting": "denied", "origin": live_server.url},
    )
    page.goto(live_server.url + "/settings")
    expect(page.locator("#notifications")).to_contain_text("Reminders are blocked")


def test_a_push_shows_a_notification_and_a_click_opens_its_page(new_context, live_server):
    context = new_context(permissions=["notifications"])
    page = context.new_page()
    sign_in(page, live_server, "client@example.org")
    page.goto(live_server.url + "/settings")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = context.new_cdp_session(page)
    registration = registration_id(cdp, page)

    def deliver(data: str) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server.url, "registrationId": registration, "data": data},
        )

    reminder = {
        "title": "Reminder",
        "body": "Reminder: appointment at 6:00 PM",
        "url": "/calendar",
        "tag": "AbCdEfGhIjKlMnOpQrStUvWx",
    }
    # The first push may meet a worker still starting: delivered again until it shows.
    assert deliver_until_shown(cdp, page, registration, reminder) == reminder
    assert shown(page, 1) == [reminder]

    # An updated reminder with the same tag replaces the first one.
    deliver(json.dumps({**reminder, "body": "Reminder: appointment at 7:00 PM"}))
    (only,) = shown(page, 1, until=lambda n: n[0]["body"].endswith("7:00 PM"))
    assert only["body"] == "Reminder: appointment at 7:00 PM"

    # A push with nothing readable in it still shows something: never a silent push.
    deliver("not json")
    assert {n["title"] for n in shown(page, 2)} == {"Reminder"}

    # The click: no protocol command clicks a notification, so the test dispatches the click
    # event in the real worker with the browser's user-activation gate (openWindow/focus)
    # recorded instead of enforced, and checks where the handler goes and that it closes it.
    worker = context.service_workers[0]
    opened = worker.evaluate(
        """async (tag) => {
            const calls = [];
            self.clients.openWindow = async (url) => { calls.push(["open", url]); return null; };
            const [n] = await self.registration.getNotifications({tag});
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification: n}));
            for (let i = 0; i < 1500 && !calls.length; i++) {
                await new Promise((r) => setTimeout(r, 20));
            }
            const left = await self.registration.getNotifications({tag});
            return {calls, left: left.length};
        }""",
        reminder["tag"],
    )
    assert opened == {"calls": [["open", live_server.url + "/calendar"]], "left": 0}

    # With the page already open in a window, the click focuses that window instead.
    calendar = context.new_page()
    calendar.goto(live_server.url + "/calendar")
    deliver(json.dumps(reminder))
    shown(page, 2)
    focused = worker.evaluate(
        """async (tag) => {
            const calls = [];
            self.clients.openWindow = async (url) => { calls.push(["open", url]); return null; };
            WindowClient.prototype.focus = async function () {
                calls.push(["focus", this.url]); return this;
            };
            const [n] = await self.registration.getNotifications({tag});
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification: n}));
            for (let i = 0; i < 1500 && !calls.length; i++) {
                await new Promise((r) => setTimeout(r, 20));
            }
            return calls;
        }""",
        reminder["tag"],
    )
    assert focused == [["focus", live_server.url + "/calendar"]]
