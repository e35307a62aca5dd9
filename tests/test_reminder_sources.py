"""The reminder kinds other features plug in: the daily check-in, saved meetings, the counselor's
"a check-in needs review", and family-session reminders under consent (logged as disclosures)."""

from datetime import date, time

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.checkins.rules import save_checkin
from portal.extensions import db
from portal.family.invitations import sign_consent
from portal.meetings.mine import save_meeting
from portal.meetings.models import Meeting
from portal.schedule.models import SeriesFamilyMember, SessionSeries
from tests.conftest import make_user
from tests.meeting_feeds import import_entries, meeting
from tests.push_helpers import TELLTALE, add_device, at, dispatch, make_clinic, set_preferences
from tests.test_notifications import push  # noqa: F401 (the fake push service fixture)

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

ANSWERS = {
    "mood": 3,
    "craving": 2,
    "used": False,
    "used_what": "",
    "sleep": "well",
    "triggers": [],
    "coping": [],
    "confidence": 7,
    "self_harm": False,
    "note": "",
}


def test_the_daily_check_in_reminder_at_8_pm_unless_done(app, push):  # noqa: F811
    clinic = make_clinic(app, clients=2)
    for person in clinic.clients:
        add_device(app, person.id, push.new_device())
    with app.app_context():
        save_checkin(
            db.session.get(User, clinic.clients[1].id),
            date(2026, 11, 23),
            ANSWERS,
            now=at("2026-11-23T09:00:00-05:00"),
        )
    assert dispatch(app, at("2026-11-23T19:59:00-05:00")).sent == []
    report = dispatch(app, at("2026-11-23T20:00:00-05:00"))
    bodies = [m.payload["body"] for m in push.accepted]
    assert bodies.count("Time for your daily check-in") == 1
    assert len(report.sent) == 1
    assert dispatch(app, at("2026-11-23T21:00:00-05:00")).sent == []


def test_the_check_in_reminder_follows_the_chosen_time(app, push):  # noqa: F811
    clinic = make_clinic(app)
    add_device(app, clinic.client.id, push.new_device())
    set_preferences(
        app,
        clinic.client.id,
        checkin_time=time(12),
        session_lead_minutes=0,
        session_evening_before=False,
    )
    assert len(dispatch(app, at("2026-11-24T12:00:00-05:00")).sent) == 1


def test_saved_meetings_are_reminded_at_the_chosen_lead_time(app, push):  # noqa: F811
    clinic = make_clinic(app)
    add_device(app, clinic.client.id, push.new_device())
    set_preferences(
        app,
        clinic.client.id,
        checkin_time=None,
        session_lead_minutes=0,
        session_evening_before=False,
    )
    with app.app_context():
        import_entries([meeting("hope", name="Sober Hope Group", day=2, time="19:00")])
        save_meeting(db.session.get(User, clinic.client.id), db.session.query(Meeting).one(), 30)
    assert dispatch(app, at("2026-11-24T18:29:00-05:00")).sent == []
    assert len(dispatch(app, at("2026-11-24T18:30:00-05:00")).sent) == 1
    (message,) = push.accepted
    assert message.payload["body"].startswith("Reminder: meeting at 7:00")
    leaving = (str(message.payload) + message.headers["topic"]).lower()
    leaked = [w for w in TELLTALE if w in leaving]
    assert leaked == []
    assert dispatch(app, at("2026-11-24T18:45:00-05:00")).sent == []


def test_the_counselor_hears_that_a_check_in_needs_review(app, push):  # noqa: F811
    clinic = make_clinic(app)
    add_device(app, clinic.staff.id, push.new_device())
    with app.app_context():
        hard = {**ANSWERS, "craving": 9}
        save_checkin(
            db.session.get(User, clinic.client.id),
            date(2026, 11, 23),
            hard,
            now=at("2026-11-23T21:00:00-05:00"),
        )
    report = dispatch(app, at("2026-11-23T21:00:30-05:00"))
    assert len(report.sent) == 1
    (message,) = push.accepted
    assert message.payload["body"] == "A check-in needs your review"
    assert message.headers["urgency"] == "high"
    assert dispatch(app, at("2026-11-23T21:05:00-05:00")).sent == []


def test_family_reminders_follow_consent_and_are_logged_as_disclosures(app, push):  # noqa: F811
    clinic = make_clinic(app)
    family = make_user(app, "family", name="Pat Parent")
    add_device(app, family.id, push.new_device())
    with app.app_context():
        client = db.session.get(User, clinic.client.id)
        series = SessionSeries(
            kind="family",
            client_id=client.id,
            timezone="America/New_York",
            start_date=date(2026, 11, 28),
            start_time=time(10),
            duration_minutes=60,
            weekdays="5",
            room="Family room",
        )
        db.session.add(series)
        db.session.flush()
        db.session.add(SeriesFamilyMember(series_id=series.id, family_id=family.id))
        grant = sign_consent(
            client,
            "Pat Parent",
            "Parent",
            "pat@example.org",
            date(2027, 2, 1),
            "Alex Morgan",
            now=at("2026-11-20T10:00:00-05:00"),
        )
        grant.family_id = family.id  # the family member accepted the invitation
        db.session.commit()
        grant_id = grant.id
    assert len(dispatch(app, at("2026-11-28T09:00:00-05:00")).sent) == 1
    (message,) = push.accepted
    assert message.payload["url"] == "/family/"
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.what == "family.reminder"))
        assert [(e.actor_id, e.consent_id) for e in events] == [(family.id, grant_id)]
        db.session.get(type(grant), grant_id).revoked_at = at("2026-11-28T09:30:00-05:00")
        db.session.commit()
    assert dispatch(app, at("2026-12-12T09:00:00-05:00")).sent == []
    assert len(push.accepted) == 1


def test_homework_is_reminded_a_day_before_and_the_morning_after(app, push):  # noqa: F811
    from portal.homework.models import HomeworkAssignment, HomeworkCopy

    clinic = make_clinic(app)
    add_device(app, clinic.client.id, push.new_device())
    set_preferences(
        app,
        clinic.client.id,
        checkin_time=None,
        session_lead_minutes=0,
        session_evening_before=False,
    )
    with app.app_context():
        assignment = HomeworkAssignment(
            title="Worksheet: my triggers",
            instructions="Fill it in",
            due_at=at("2026-11-25T18:00:00-05:00"),
            created_by_id=clinic.staff.id,
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add(HomeworkCopy(assignment_id=assignment.id, client_id=clinic.client.id))
        db.session.commit()
    assert dispatch(app, at("2026-11-24T17:59:00-05:00")).sent == []
    assert len(dispatch(app, at("2026-11-24T18:00:00-05:00")).sent) == 1
    assert len(dispatch(app, at("2026-11-26T09:00:00-05:00")).sent) == 1
    bodies = [m.payload["body"] for m in push.accepted]
    assert bodies == ["You have something due tomorrow", "You have something that was due"]
    leaving = " ".join(str(m.payload) + m.headers["topic"] for m in push.accepted).lower()
    assert "worksheet" not in leaving and "trigger" not in leaving
