"""The safety loop in a real browser: a client's self-harm check-in, the counselor's home and
push, the escalation to a second counselor, and the review that clears the badge.

The server runs with the clinic open around the clock (so the escalation time does not depend
on the hour the test runs), a real `flask worker` process sending to the loopback push service,
and the pushed payload, decrypted there, delivered to the counselor's real service worker over
the DevTools Protocol (headless Chromium cannot subscribe to a real push service).
"""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from tests.browser.conftest import SCREENSHOTS, screenshot, sign_in
from tests.browser.server import ROOT, LiveServer
from tests.browser.test_checkins import group
from tests.browser.test_push import deliver_until_shown, registration_id
from tests.push_helpers import add_device
from tests.push_service import FakePushService

ALWAYS_OPEN = {
    f"CLINIC_HOURS_{d}": "00:00-23:59" for d in ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
}
NARROW = {"width": 320, "height": 720}


@pytest.fixture
def push_service():
    service = FakePushService().start()
    yield service
    service.stop()
    assert service.errors == [], service.errors


@pytest.fixture
def loop_server(tmp_path, browser, push_service):
    env = {**ALWAYS_OPEN, "PUSH_INSECURE_HOSTS": "127.0.0.1", "WORKER_INTERVAL_SECONDS": "1"}
    server = LiveServer(tmp_path, extra_env=env).prepare().start()
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "worker"],
        cwd=ROOT,
        env=server.env,
        stdout=open(tmp_path / "worker.log", "a"),  # noqa: SIM115 (closed with the process)
        stderr=subprocess.STDOUT,
    )
    yield server
    worker.terminate()
    worker.wait(timeout=10)
    server.stop()


def devices_on_the_push_service(server, push_service):
    """Give the demo counselor and a second counselor a device on the loopback service."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": server.env["DATABASE_URL"],
            "SECRET_KEY": server.env["SECRET_KEY"],
        }
    )
    with app.app_context():
        counselor = db.session.scalar(db.select(User).filter_by(email="counselor@example.org"))
        second = User(email="second@example.org", name="Riley Second", role="staff")
        db.session.add(second)
        db.session.commit()
        ids = counselor.id, second.id
        db.engine.dispose()
    phones = push_service.new_device(), push_service.new_device()
    for user_id, phone in zip(ids, phones, strict=True):
        add_device(app, user_id, phone)
    with app.app_context():
        db.engine.dispose()
    return phones


def card_screenshot(locator, name: str) -> None:
    """Save one card rather than the whole long page, when UPDATE_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def wait_for(predicate, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("timed out")


def check_in_in_danger(page):
    group(page, "How are you feeling today?").get_by_role("radio", name="Very low").click()
    group(page, "How strong is your craving right now?").get_by_role(
        "radio", name="10", exact=True
    ).click()
    group(page, "Any alcohol or drug use since your last check-in?").get_by_role(
        "radio", name="Yes"
    ).click()
    group(page, "How did you sleep last night?").get_by_role("radio", name="Hardly at all").click()
    group(page, "How sure are you that you will stay on track today?").get_by_role(
        "radio", name="1", exact=True
    ).click()
    group(page, "Have you had thoughts of hurting yourself?").get_by_role(
        "radio", name="Yes"
    ).click()


def test_a_client_in_danger_is_in_front_of_a_counselor_within_seconds(
    new_context, loop_server, push_service
):
    counselor_phone, second_phone = devices_on_the_push_service(loop_server, push_service)

    # The counselor's phone: signed in, its service worker ready to show a push.
    staff_context = new_context(permissions=["notifications"])
    staff = staff_context.new_page()
    sign_in(staff, loop_server, "counselor@example.org")
    expect(staff.get_by_role("heading", name="Needs you now")).to_be_visible()
    staff.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = staff_context.new_cdp_session(staff)
    registration = registration_id(cdp, staff)

    # The client checks in: self-harm, use, a craving of 10.
    client = new_context().new_page()
    sign_in(client, loop_server, "client@example.org")
    client.goto(loop_server.url + "/checkin")
    check_in_in_danger(client)
    started = time.monotonic()
    client.get_by_role("button", name="Save my check-in").click()
    main = client.get_by_role("main")
    expect(main).to_contain_text("Your care team has been told.")
    expect(main.get_by_role("link", name="Call 988")).to_be_visible()
    screenshot(client, "safety-client-confirmation")

    # The worker sends the counselor's push; the loopback service decrypts it; the counselor's
    # service worker shows it.
    message = wait_for(
        lambda: next((m for m in push_service.accepted if m.token == counselor_phone.token), None)
    )
    assert message.payload["body"] == "A check-in needs your review"
    assert message.headers["urgency"] == "high"
    notification = deliver_until_shown(cdp, staff, registration, message.payload)
    elapsed = time.monotonic() - started
    print(f"\ncheck-in to the counselor's notification: {elapsed:.2f} s")
    assert notification["body"] == "A check-in needs your review"
    assert elapsed < 30
    assert [m.token for m in push_service.accepted] == [counselor_phone.token]

    # The counselor's home: the flag at the top, with the client's name and the badge.
    staff.goto(loop_server.url + "/")
    flags = staff.locator(".flag-list li").first
    expect(flags).to_contain_text("Alex Morgan")
    expect(flags).to_contain_text("Urgent: Thoughts of self-harm")
    expect(staff.locator("#flag-badge")).to_contain_text("1")
    screenshot(staff, "safety-counselor-home-390")
    staff.set_viewport_size(NARROW)
    nav = staff.get_by_role("navigation", name="Care team")
    for link in nav.get_by_role("link").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"] + 0.5
    screenshot(staff, "safety-counselor-home-320")
    staff.set_viewport_size({"width": 390, "height": 844})

    # Nobody reviewed it: with the clock moved past the escalation time, a second counselor
    # hears too, exactly once.
    later = (datetime.now(UTC) + timedelta(minutes=20)).isoformat(timespec="seconds")
    loop_server.flask("send-reminders", "--now", later)
    loop_server.flask("send-reminders", "--now", later)
    escalated = [m for m in push_service.accepted if m.token == second_phone.token]
    assert len(escalated) == 1 and escalated[0].payload["body"] == "A check-in needs your review"

    # The review: what was done is recorded, and the badge clears.
    flags.get_by_role("link").click()
    form = staff.locator("form.review-form")
    form.get_by_label("Called the client").check()
    form.get_by_label("Note", exact=True).fill("Talked; safety plan in place for tonight.")
    card_screenshot(form.locator("xpath=ancestor::article"), "safety-review")
    form.get_by_role("button", name="Save the review").click()
    expect(staff.get_by_role("main")).to_contain_text("Reviewed by Dana Rivera")
    expect(staff.get_by_role("main")).to_contain_text("Called the client.")
    expect(staff.locator("#flag-badge")).not_to_contain_text("1")
    staff.goto(loop_server.url + "/")
    expect(staff.locator(".flag-list")).to_contain_text("Nothing waits for a review.")
