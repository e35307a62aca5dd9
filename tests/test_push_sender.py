"""The sender (portal/notifications/delivery.py) against the decrypting push service on
127.0.0.1: a message's timeout counts from when it goes out, not from when it was queued."""

import time
from datetime import UTC, datetime, timedelta

from py_vapid import Vapid02

from portal.notifications.delivery import Outgoing, PushSender
from portal.notifications.vapid import generate_pair
from tests.push_service import FakePushService

# The messages' own clock: a fixed instant, so nothing here depends on the day it runs.
NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def outgoing(n: int, device) -> Outgoing:
    return Outgoing(
        row_id=n,
        subscription_id=1,
        endpoint=device.endpoint,
        p256dh=device.p256dh,
        auth=device.info()["keys"]["auth"],
        payload=f'{{"title": "Reminder", "n": {n}}}',
        not_after=NOW + timedelta(hours=1),
        urgency="normal",
        topic="t",
        attempts=0,
    )


def test_a_slow_service_does_not_time_out_the_messages_waiting_their_turn():
    """Twelve messages, two in flight, half a second each: three seconds in all, over a
    one-second timeout. Each must still get its own whole second once it is sent."""
    push = FakePushService(delay=0.5).start()
    sender = PushSender(Vapid02.from_string(generate_pair()[0]), "mailto:t@example.org", 1, 2)
    try:
        device = push.new_device()
        started = time.monotonic()
        futures = [
            sender.submit(outgoing(n, device), started, NOW) for n in range(12)
        ]
        outcomes = [f.result(timeout=30) for f in futures]
    finally:
        sender.close()
        push.stop()
    assert [(o.status, o.error) for o in outcomes] == [(201, "")] * 12
    assert len(push.accepted) == 12 and not push.errors
    assert time.monotonic() - started >= 2.5  # never more than two at once


def test_the_sender_closes_once_and_then_is_closed():
    sender = PushSender(Vapid02.from_string(generate_pair()[0]), "mailto:t@example.org")
    sender.close()
    sender.close()
    assert sender.loop.is_closed()
