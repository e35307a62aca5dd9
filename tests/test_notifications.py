"""Reminders: what is due when, what it says, and how the dispatcher sends and records it.

Every message goes over real HTTP to the push service in tests/push_service.py, which decrypts
it with the device's private key and verifies its VAPID token, as a real one would.
"""

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications import messages
from portal.notifications.dispatcher import enqueue
from portal.notifications.models import NotificationPreferences, PushSubscription
from portal.notifications.reminders import (
    Reminder,
    default_preferences,
    preferences_for,
    waking_moment,
)
from portal.schedule.models import SessionSeries
from portal.schedule.occurrences import find_occurrence
from portal.schedule.rules import cancel_occurrence, move_occurrence, restore_occurrence
from tests.push_helpers import (
    TELLTALE,
    add_device,
    at,
    devices,
    dispatch,
    make_clinic,
    outbox,
    set_preferences,
)
from tests.push_service import HANG, FakePushService

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

NY = ZoneInfo("America/New_York")
MONDAY_6PM = at("2026-11-23T18:00:00-05:00")


@pytest.fixture
def push(app):
    """The fake push service, and the app told to send to it over plain HTTP."""
    service = FakePushService().start()
    app.config.update(PUSH_INSECURE_HOSTS=["127.0.0.1"], PUSH_TIMEOUT_SECONDS=1)
    yield service
    service.stop()
    assert service.errors == [], service.errors


def one_device(app, push):
    clinic = make_clinic(app)
    device = push.new_device()
    add_device(app, clinic.client.id, device)
    return clinic, device


# --- the rules -----------------------------------------------------------------------------


def test_the_defaults_are_the_issues(app):
    prefs = default_preferences(1)
    assert (prefs.session_lead_minutes, prefs.session_evening_before) == (60, True)
    assert (prefs.homework_lead_hours, prefs.homework_overdue) == (24, True)
    assert prefs.checkin_time == time(20)  # a meeting's lead is chosen as it is saved
    assert (prefs.quiet_start, prefs.quiet_end, prefs.detailed_text) == (time(22), time(7), False)
    with app.app_context():
        assert preferences_for([7])[7].session_lead_minutes == 60


def test_a_stored_row_gets_the_same_defaults(app):
    clinic = make_clinic(app)
    set_preferences(app, clinic.client.id)
    with app.app_context():
        stored = db.session.get(NotificationPreferences, clinic.client.id)
        expected = default_preferences(clinic.client.id)
        for name in ("session_lead_minutes", "checkin_time", "quiet_start", "quiet_end"):
            assert getattr(stored, name) == getattr(expected, name)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-11-23T17:00:00-05:00", "2026-11-23T17:00:00-05:00"),  # awake: unchanged
        ("2026-11-23T06:30:00-05:00", "2026-11-23T07:00:00-05:00"),  # quiet: waits until 7
        ("2026-11-22T23:30:00-05:00", "2026-11-23T07:00:00-05:00"),  # across midnight
    ],
)
def test_quiet_hours_move_a_reminder_to_the_morning(due, expected):
    prefs = default_preferences(1)
    result = waking_moment(at(due), at(due) + timedelta(hours=12), at(due), prefs, NY)
    assert result == at(expected)


def test_a_reminder_that_would_leave_quiet_hours_after_the_start_is_dropped():
    prefs = default_preferences(1)
    start = at("2026-11-23T06:45:00-05:00")
    assert (
        waking_moment(start - timedelta(hours=1), start, start - timedelta(hours=2), prefs, NY)
        is None
    )


def test_an_overdue_reminder_waits_for_the_morning_when_now_is_quiet():
    prefs = default_preferences(1)
    now = at("2026-11-22T23:00:00-05:00")
    due = at("2026-11-22T19:00:00-05:00")
    assert waking_moment(due, at("2026-11-23T12:00:00-05:00"), now, prefs, NY) == at(
        "2026-11-23T07:00:00-05:00"
    )


def test_no_quiet_hours_when_turned_off():
    prefs = default_preferences(1)
    prefs.quiet_start = None
    late = at("2026-11-23T03:00:00-05:00")
    assert waking_moment(late, late + timedelta(hours=1), late, prefs, NY) == late


# --- sessions, end to end ------------------------------------------------------------------


def test_the_lead_reminder_goes_once_an_hour_before(app, push):
    clinic, device = one_device(app, push)
    assert dispatch(app, at("2026-11-23T16:59:00-05:00")).sent == []
    report = dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert len(report.sent) == 1
    (message,) = push.accepted
    assert message.token == device.token
    assert message.payload["title"] == "Reminder"
    assert message.payload["body"] == "Reminder: appointment at 6:00\u202fPM" or (
        message.payload["body"] == "Reminder: appointment at 6:00 PM"
    )
    assert message.payload["url"].startswith(f"/calendar/{clinic.series_id}/20261123T230000Z")
    assert message.headers["urgency"] == "high"
    assert 3590 <= int(message.headers["ttl"]) <= 3600  # until the session starts
    assert message.headers["topic"] == message.payload["tag"]
    assert message.claims["aud"] == push.origin
    # Later passes find it already sent.
    assert dispatch(app, at("2026-11-23T17:01:00-05:00")).sent == []
    assert dispatch(app, at("2026-11-23T17:30:00-05:00")).sent == []
    assert len(push.accepted) == 1
    (row,) = [r for r in outbox(app) if r.kind == "session_lead"]
    assert (row.status, row.attempts, row.last_status) == ("sent", 1, 201)


def test_the_evening_before_at_7_pm(app, push):
    one_device(app, push)
    assert dispatch(app, at("2026-11-22T18:59:00-05:00")).sent == []
    dispatch(app, at("2026-11-22T19:00:00-05:00"))
    (message,) = push.accepted
    assert "tomorrow" in message.payload["body"]
    assert message.headers["urgency"] == "normal"
    # Useful until midnight, when "tomorrow" would be wrong: 5 hours.
    assert 5 * 3600 - 10 <= int(message.headers["ttl"]) <= 5 * 3600


def test_nothing_is_sent_after_the_start(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    # The worker was down from 4:30 to 6 pm: the reminder is not sent late.
    assert dispatch(app, MONDAY_6PM).sent == []
    assert dispatch(app, MONDAY_6PM + timedelta(minutes=5)).sent == []
    assert push.messages == []


def test_a_reminder_retried_past_the_start_expires(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    push.answer(500)
    report = dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert report.retried == 1
    (row,) = outbox(app)
    assert row.status == "pending" and row.next_attempt_at == at("2026-11-23T17:00:30-05:00")
    dispatch(app, MONDAY_6PM)
    (row,) = outbox(app)
    assert row.status == "expired"
    assert len(push.messages) == 1


def test_lead_time_and_evening_follow_the_preferences(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_lead_minutes=15, session_evening_before=False)
    assert dispatch(app, at("2026-11-22T19:00:00-05:00")).sent == []
    assert dispatch(app, at("2026-11-23T17:00:00-05:00")).sent == []
    assert len(dispatch(app, at("2026-11-23T17:45:00-05:00")).sent) == 1


def test_a_moved_session_moves_its_queued_reminder_and_a_new_one_goes(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    push.answer(503)  # the first try fails, so the row waits in the outbox
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    with app.app_context():
        series = db.session.get(SessionSeries, clinic.series_id)
        occurrence = find_occurrence(series, at("2026-11-23T23:00:00+00:00"), NY)
        staff = db.session.get(User, clinic.staff.id)
        move_occurrence(
            occurrence,
            at("2026-11-23T19:00:00-05:00"),
            at("2026-11-23T22:00:00-05:00"),
            staff,
            now=at("2026-11-23T17:00:30-05:00"),
        )
    # The queued reminder for 6 pm is withdrawn; the 7 pm one goes an hour before.
    assert dispatch(app, at("2026-11-23T17:01:00-05:00")).sent == []
    statuses = {r.occurrence: r.status for r in outbox(app)}
    assert statuses == {"20261123T230000Z.0": "withdrawn"}
    report = dispatch(app, at("2026-11-23T18:00:00-05:00"))
    assert len(report.sent) == 1
    sent = push.accepted[-1]
    assert "7:00" in sent.payload["body"]
    assert sent.payload["tag"] == push.messages[0].payload["tag"]  # replaces the old one


def test_a_cancelled_session_withdraws_its_reminder_and_a_restored_one_brings_it_back(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    push.answer(500)
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    with app.app_context():
        series = db.session.get(SessionSeries, clinic.series_id)
        staff = db.session.get(User, clinic.staff.id)
        cancel_occurrence(
            find_occurrence(series, at("2026-11-23T23:00:00+00:00"), NY),
            staff,
            now=at("2026-11-23T17:01:00-05:00"),
        )
    report = dispatch(app, at("2026-11-23T17:02:00-05:00"))
    assert report.withdrawn == 1 and report.sent == []
    assert [r.status for r in outbox(app)] == ["withdrawn"]
    with app.app_context():
        series = db.session.get(SessionSeries, clinic.series_id)
        staff = db.session.get(User, clinic.staff.id)
        restore_occurrence(
            find_occurrence(series, at("2026-11-23T23:00:00+00:00"), NY),
            staff,
            now=at("2026-11-23T17:02:30-05:00"),
        )
    assert len(dispatch(app, at("2026-11-23T17:03:00-05:00")).sent) == 1


def test_cant_make_it_means_no_reminder(app, push):
    from portal.schedule.rules import send_notice

    clinic, _device = one_device(app, push)
    with app.app_context():
        series = db.session.get(SessionSeries, clinic.series_id)
        client = db.session.get(User, clinic.client.id)
        send_notice(
            client,
            find_occurrence(series, at("2026-11-23T23:00:00+00:00"), NY),
            "cant_make_it",
            "",
            now=at("2026-11-23T12:00:00-05:00"),
        )
    assert dispatch(app, at("2026-11-23T17:00:00-05:00")).sent == []


def test_every_device_gets_its_own_copy(app, push):
    clinic = make_clinic(app)
    phone, tablet = push.new_device(), push.new_device()
    add_device(app, clinic.client.id, phone)
    add_device(app, clinic.client.id, tablet)
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert sorted(m.token for m in push.accepted) == sorted([phone.token, tablet.token])


def test_staff_and_people_without_devices_get_nothing(app, push):
    clinic = make_clinic(app)
    add_device(app, clinic.staff.id, push.new_device())
    assert dispatch(app, at("2026-11-23T17:00:00-05:00")).sent == []


# --- the outbox ----------------------------------------------------------------------------


def _reminder(user_id, now, occurrence="x.0"):
    return Reminder(
        user_id=user_id,
        kind="session_lead",
        object_ref="series:1",
        occurrence=occurrence,
        due_at=now,
        not_after=now + timedelta(hours=1),
        payload="{}",
        topic="t",
        urgency="high",
    )


def test_enqueue_is_idempotent(app, push):
    clinic = make_clinic(app)
    add_device(app, clinic.client.id, push.new_device())
    add_device(app, clinic.client.id, push.new_device())
    now = at("2026-11-23T17:00:00-05:00")
    with app.app_context():
        first = enqueue([_reminder(clinic.client.id, now)] * 2, now)
        again = enqueue([_reminder(clinic.client.id, now)], now)
    assert len(first) == 2 and again == []
    assert len(outbox(app)) == 2


def test_reminders_not_yet_due_are_not_written(app, push):
    clinic = make_clinic(app)
    add_device(app, clinic.client.id, push.new_device())
    now = at("2026-11-23T17:00:00-05:00")
    with app.app_context():
        assert enqueue([_reminder(clinic.client.id, now + timedelta(minutes=1))], now) == []
        assert enqueue([_reminder(clinic.client.id, now - timedelta(hours=2))], now) == []


# --- what the push service answers ---------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_gone_deletes_the_device(app, push, status):
    one_device(app, push)
    push.answer(status)
    report = dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert report.gone == 1
    assert devices(app) == []
    (row,) = outbox(app)
    assert (row.status, row.subscription_id, row.last_status) == ("gone", None, status)
    # The evening-before for Wednesday finds no device to go to.
    assert dispatch(app, at("2026-11-24T19:00:00-05:00")).sent == []


def test_429_waits_for_retry_after_without_counting_a_try(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    push.answer((429, "120"))
    now = at("2026-11-23T17:00:00-05:00")
    dispatch(app, now)
    (row,) = outbox(app)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "pending",
        0,
        now + timedelta(seconds=120),
    )
    assert dispatch(app, now + timedelta(seconds=119)).sent == []
    assert len(dispatch(app, now + timedelta(seconds=120)).sent) == 1
    assert [m.answer for m in push.messages] == [429, 201]


def test_server_errors_retry_with_backoff_a_bounded_number_of_times(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False, session_lead_minutes=120)
    push.always(500)
    now = at("2026-11-23T16:00:00-05:00")
    waits = []
    for _ in range(8):
        dispatch(app, now)
        (row,) = outbox(app)
        if row.status != "pending":
            break
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == [timedelta(seconds=s) for s in (30, 120, 480, 1800)]
    assert (row.status, row.attempts) == ("failed", 5)
    assert len(push.messages) == 5


def test_a_timeout_is_retried(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    push.answer(HANG)
    now = at("2026-11-23T17:00:00-05:00")
    report = dispatch(app, now)
    assert report.retried == 1
    (row,) = outbox(app)
    assert row.last_error == "timeout"
    push.released.set()
    assert len(dispatch(app, now + timedelta(seconds=30)).sent) == 1


def test_a_connection_error_is_retried(app, push):
    clinic = make_clinic(app)
    set_preferences(app, clinic.client.id, session_evening_before=False)
    device = push.new_device()
    device.endpoint = "http://127.0.0.1:9/push/nobody-listens"
    add_device(app, clinic.client.id, device)
    report = dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert report.retried == 1
    assert outbox(app)[0].last_error.startswith("connection")


def test_other_client_errors_fail_without_retrying(app, push):
    one_device(app, push)
    push.answer(413)
    report = dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert report.failed == 1
    assert outbox(app)[0].status == "failed"


# --- what leaves the server ----------------------------------------------------------------


def _everything_that_leaves(push) -> list[str]:
    texts = []
    for m in push.accepted:
        texts += [m.payload["title"], m.payload["body"], m.payload["tag"], m.headers["topic"]]
    return texts


def test_no_telltale_words_in_title_body_tag_or_topic(app, push):
    clinic, _device = one_device(app, push)
    dispatch(app, at("2026-11-22T19:00:00-05:00"))
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    with app.app_context():
        title, body = messages.test_text(None)
        for kind_text in (
            messages.homework_text(False, None),
            messages.homework_text(True, None),
            messages.checkin_text(None),
            messages.review_text(None),
            messages.meeting_text(MONDAY_6PM, None),
        ):
            assert not [w for w in TELLTALE if w in " ".join(kind_text).lower()]
    texts = _everything_that_leaves(push)
    assert len(texts) == 8
    found = [w for w in TELLTALE for t in texts if w in t.lower()]
    assert found == []


def test_detail_only_for_those_who_chose_it(app, push):
    clinic, _device = one_device(app, push)
    set_preferences(app, clinic.client.id, detailed_text=True)
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    (message,) = push.accepted
    assert message.payload["title"].startswith("Group session at 6:00")
    assert message.payload["body"] == "Room 2"
    assert "group" not in message.headers["topic"].lower()


def test_payloads_stay_under_3_kb(app, push):
    one_device(app, push)
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    for m in push.accepted:
        assert len(json.dumps(m.payload).encode()) < 3 * 1024
    with app.app_context():
        huge = messages.build_payload("t" * 5000, "b" * 5000, "/" + "u" * 5000, "tag")
    assert len(huge.encode()) < 3000
    assert json.loads(huge)["url"] == "/"


def test_every_vapid_token_names_the_origin_and_expires_within_a_day(app, push):
    clinic = make_clinic(app, clients=3)
    for person in clinic.clients:
        add_device(app, person.id, push.new_device())
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    assert len(push.accepted) == 3
    now = datetime.now(UTC).timestamp()
    for m in push.accepted:
        assert m.claims["aud"] == push.origin and not m.claims["aud"].endswith("/")
        assert now < m.claims["exp"] <= now + 24 * 3600
        assert m.claims["sub"].startswith(("mailto:", "https:"))
        assert m.headers["authorization"].startswith("vapid t=")


def test_a_device_that_moves_to_another_person_takes_nothing_of_theirs(app, push):
    clinic = make_clinic(app, clients=2)
    first, second = clinic.clients
    device = push.new_device()
    add_device(app, first.id, device)
    push.answer(500)
    dispatch(app, at("2026-11-23T17:00:00-05:00"))
    from portal.notifications.subscriptions import parse, save

    with app.test_request_context():
        app.config.update(PUSH_INSECURE_HOSTS=["127.0.0.1"])
        save(db.session.get(User, second.id), parse(device.info()), "Test")
        owners = db.session.scalars(select(PushSubscription.user_id)).all()
        assert owners == [second.id]
    assert {r.status for r in outbox(app) if r.user_id == first.id} == {"gone"}
