"""The care team's screens on a phone: sessions open at today, attendance only once a session has
started, "who saw what" by visit, and the counselor's own reminder choices (and their pushes)."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import time_machine

from portal.audit.visits import visits
from portal.extensions import db
from portal.homework.models import HANDED_IN, HomeworkAssignment, HomeworkCopy
from portal.notifications.models import NotificationPreferences
from portal.schedule.models import AbsenceNotice, Attendance
from tests.conftest import make_user, post, sign_in
from tests.push_helpers import add_device, at, dispatch, make_clinic, set_preferences
from tests.test_notifications import push  # noqa: F401 (the fake push service fixture)
from tests.test_safety_loop import MONDAY_10AM, flag
from tests.test_schedule import build_clinic, next_group_occurrence


def test_the_sessions_list_opens_at_today_with_the_past_week_folded_away(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.staff.email)
    html = client.get("/care/sessions").get_data(as_text=True)
    upcoming, past = html.split('<details class="past-sessions">')
    assert "The last 7 days" in past and "session-row" in past
    assert upcoming.count("session-row") >= 1


def test_attendance_can_be_saved_only_once_the_session_has_started(app):
    clinic = build_clinic(app)
    with app.app_context():
        coming = next_group_occurrence(clinic, after_days=1)
    client = app.test_client()
    sign_in(client, clinic.staff.email)
    url = f"/care/sessions/{clinic.group_series_id}/{coming.key}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "has not started yet" in page and "Save, and mark everyone" not in page
    response = post(client, url, {"rest": "attended"}, follow_redirects=True)
    assert "Attendance can be saved once the session has started." in response.text
    with app.app_context():
        assert db.session.query(Attendance).count() == 0


def test_who_saw_what_lists_a_visit_once_not_every_request():
    start = datetime(2026, 11, 23, 18, tzinfo=UTC)

    def row(minutes, actor=1, what="family.home"):
        event = SimpleNamespace(
            actor_id=actor,
            consent_id=7,
            what=what,
            object_id=None,
            at=start + timedelta(minutes=minutes),
        )
        return (event, None)

    newest_first = [row(m) for m in (130, 20, 10, 5, 0)] + [row(3, actor=2)]
    newest_first.sort(key=lambda r: r[0].at, reverse=True)
    kept = [
        (r[0].actor_id, int((r[0].at - start).total_seconds() // 60)) for r in visits(newest_first)
    ]
    assert kept == [(1, 130), (1, 20), (2, 3)]


def test_a_counselor_chooses_what_to_hear_about(app, client):
    staff = make_user(app, "staff")
    sign_in(client, staff.email)
    html = client.get("/settings").get_data(as_text=True)
    for label in (
        "A check-in of one of my clients is flagged",
        "will be late",
        "A client of mine hands in homework",
    ):
        assert label in html
    assert "Before each session" not in html
    response = post(
        client,
        "/settings/notifications",
        {"notice_alerts": "y", "quiet_start": "", "quiet_end": "07:00"},
    )
    assert response.status_code in (302, 303)
    with app.app_context():
        prefs = db.session.get(NotificationPreferences, staff.id)
        assert (prefs.flag_alerts, prefs.notice_alerts, prefs.handed_in_alerts) == (
            False,
            True,
            False,
        )


def test_flag_alerts_off_skips_the_push_at_once_but_never_the_escalation(app, push):  # noqa: F811
    clinic = make_clinic(app)
    add_device(app, clinic.staff.id, push.new_device())
    set_preferences(app, clinic.staff.id, flag_alerts=False)
    flag(app, clinic.client.id, MONDAY_10AM, self_harm=True)
    assert dispatch(app, MONDAY_10AM).sent == []
    assert len(dispatch(app, MONDAY_10AM + timedelta(minutes=15)).sent) == 1


def test_the_counselor_hears_of_notices_and_handed_in_homework_when_asked(app, push):  # noqa: F811
    clinic = make_clinic(app)
    add_device(app, clinic.staff.id, push.new_device())
    sent_at = at("2026-11-23T15:00:00-05:00")
    with app.app_context():
        db.session.add(
            AbsenceNotice(
                person_id=clinic.client.id,
                series_id=clinic.series_id,
                occurrence_start=at("2026-11-23T18:00:00-05:00"),
                kind="cant_make_it",
                created_at=sent_at,
            )
        )
        assignment = HomeworkAssignment(
            title="Worksheet",
            created_by_id=clinic.staff.id,
            client_id=clinic.client.id,
            due_at=sent_at + timedelta(days=1),
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add(
            HomeworkCopy(
                assignment_id=assignment.id,
                client_id=clinic.client.id,
                status=HANDED_IN,
                handed_in_at=sent_at,
            )
        )
        db.session.commit()
    assert [m.payload["body"] for m in push.accepted] == []
    dispatch(app, sent_at + timedelta(minutes=1))
    assert [m.payload["body"] for m in push.accepted] == ["New notice about a session"]
    set_preferences(app, clinic.staff.id, handed_in_alerts=True)
    dispatch(app, sent_at + timedelta(minutes=2))
    assert [m.payload["body"] for m in push.accepted][1:] == ["Something was handed in"]


def test_todays_sessions_name_a_group_once(app):
    """A group's series named after the group reads "Evening group", not "Evening group ·
    Evening group"; a session of one client still says whose it is."""
    with time_machine.travel(MONDAY_10AM, tick=False):
        clinic = build_clinic(app)
        client = app.test_client()
        sign_in(client, clinic.staff.email)
        html = client.get("/care/").get_data(as_text=True)
    sessions = html[html.index("Today's sessions") :]
    assert re.findall(r'class="session-what">([^<]+)<', sessions) == ["Evening group"]


def test_a_counselors_home_lists_their_own_clients_and_their_groups_sessions(app, clinic_clock):
    """In a clinic of many groups and thousands of clients, the home shows what the counselor
    works with: their caseload (search finds anyone) and today's sessions of their clients'
    groups. A counselor with no clients of their own still sees everyone and every group."""
    from portal.schedule.models import SessionSeries
    from portal.timeutil import clinic_zone

    clinic = build_clinic(app)
    colleague = make_user(app, "staff", name="Robin Colleague")
    with app.app_context():
        zone = clinic_zone()
        morning = SessionSeries(
            kind="group",
            title="Morning group",
            group_id=clinic.other_group_id,
            timezone=str(zone),
            start_date=clinic_clock.now().astimezone(zone).date() - timedelta(days=7),
            start_time=datetime.min.time(),
            duration_minutes=60,
            weekdays="0,1,2,3,4,5,6",
            place="1 Main St",
        )
        db.session.add(morning)
        db.session.commit()

    client = app.test_client()
    sign_in(client, clinic.staff.email)
    home = client.get("/care/").get_data(as_text=True)
    listed = home.split('id="client-list"')[1]
    assert "Alex Member" in listed and "Sam Member" in listed
    assert "Other Outsider" not in listed and "Your own clients." in listed
    assert "Morning group" not in home  # none of their clients is in it
    found = client.get("/care/?q=outsider").get_data(as_text=True).split('id="client-list"')[1]
    assert "Other Outsider" in found and "Your own clients." not in found

    client = app.test_client()
    sign_in(client, colleague.email)
    home = client.get("/care/").get_data(as_text=True)
    listed = home.split('id="client-list"')[1]
    assert all(name in listed for name in ("Alex Member", "Sam Member", "Other Outsider"))
    assert "Your own clients." not in listed
    assert "Morning group" in home.split('id="client-list"')[0]
