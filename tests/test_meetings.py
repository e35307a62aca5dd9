"""Meetings for the client: finding them, My meetings, the calendar hook, reminders, the log."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.meetings.attendance import log_attendance, set_goal, today_for, week_progress
from portal.meetings.calendar import meeting_occurrences
from portal.meetings.directory import MeetingFilters, search
from portal.meetings.mine import add_personal_meeting, save_meeting
from portal.meetings.models import (
    Meeting,
    MeetingAttendance,
    MeetingGoal,
    PersonalMeeting,
    SavedMeeting,
)
from portal.notifications.models import PushSubscription
from portal.notifications.sources import due_meeting_reminders
from portal.timeutil import utcnow
from tests.conftest import make_user, post
from tests.meeting_feeds import import_entries, meeting

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

ET = ZoneInfo("America/New_York")
# Wednesday 18 November 2026, 6:30 pm in the clinic's zone.
NOW = datetime(2026, 11, 18, 18, 30, tzinfo=ET)


def by_slug(slug: str) -> Meeting:
    return db.session.scalar(select(Meeting).where(Meeting.slug == slug))


def user(app, person) -> User:
    return db.session.get(User, person.id)


DIRECTORY = [
    meeting("wed-7pm", name="Wednesday Hope", day=3, time="19:00"),
    meeting("wed-6pm", name="Running Now", day=3, time="18:00"),
    meeting("thu-7am", name="Early Birds", day=4, time="07:00", types=["C", "DD"]),
    meeting("tue-8pm", name="Last of the Week", day=2, time="20:00", location="St. Luke's Church"),
    meeting(
        "la-5pm",
        name="West Coast",
        day=3,
        time="17:00",
        timezone="America/Los_Angeles",
        formatted_address="Oakland, CA, USA",
        approximate="yes",
        conference_url="https://zoom.us/j/1",
        types=["ONL", "S"],
    ),
    meeting(
        "la-late",
        name="Late in Oakland",
        day=3,
        time="22:00",
        timezone="America/Los_Angeles",
        types=["O", "POA"],
    ),
]


def names(listings) -> list[str]:
    return [item.meeting.name for item in listings]


def test_results_are_sorted_by_the_next_time_from_now_in_the_clients_zone(app):
    with app.app_context():
        import_entries(DIRECTORY)
        listings, total = search(MeetingFilters(), NOW, ET)
        assert total == 6
        assert names(listings) == [
            "Running Now",
            "Wednesday Hope",
            "West Coast",
            "Late in Oakland",
            "Early Birds",
            "Last of the Week",
        ]
        west = listings[2]
        assert west.start == datetime(2026, 11, 18, 20, 0, tzinfo=ET)
        assert west.start.tzinfo == ET and west.zone_differs
        assert not listings[1].zone_differs
        with app.test_request_context():
            assert listings[0].when(NOW) == "Now, until 7:00\u202fPM"
            assert listings[1].when(NOW) == "Today at 7:00\u202fPM"
            assert listings[4].when(NOW) == "Tomorrow at 7:00\u202fAM"
            assert listings[5].when(NOW) == "Tuesday, November 24 at 8:00\u202fPM"
            assert west.own_time() == "5:00\u202fPM where the meeting is (America/Los Angeles)"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            MeetingFilters(day=4),
            ["Late in Oakland", "Early Birds"],
        ),  # 10 pm in Oakland is Thursday here
        (MeetingFilters(day=2), ["Last of the Week"]),
        (MeetingFilters(part_of_day="morning"), ["Early Birds"]),
        (MeetingFilters(part_of_day="night"), ["Late in Oakland"]),
        (
            MeetingFilters(part_of_day="evening", day=3),
            ["Running Now", "Wednesday Hope", "West Coast"],
        ),
        (MeetingFilters(mode="online"), ["West Coast"]),
        (MeetingFilters(mode="in_person", type_code="DD"), ["Early Birds"]),
        (MeetingFilters(type_code="S"), ["West Coast"]),
        (MeetingFilters(type_code="POA"), ["Late in Oakland"]),
        (MeetingFilters(text="church luke"), ["Last of the Week"]),
        (MeetingFilters(text="HOPE"), ["Wednesday Hope"]),
        (MeetingFilters(text="%"), []),
        (MeetingFilters(text="_"), []),
    ],
)
def test_filters_by_day_time_mode_type_and_text(app, filters, expected):
    with app.app_context():
        import_entries(DIRECTORY)
        assert names(search(filters, NOW, ET)[0]) == expected


def test_retired_meetings_are_not_found(app):
    with app.app_context():
        import_entries(DIRECTORY)
        import_entries(DIRECTORY[:2])
        assert names(search(MeetingFilters(), NOW, ET)[0]) == ["Running Now", "Wednesday Hope"]


# ---- the calendar hook ----


def test_a_7pm_meeting_stays_7pm_local_across_both_daylight_saving_changes(app):
    person = make_user(app, "client")
    with app.test_request_context():
        import_entries([meeting("mon", name="Monday Night", day=1, time="19:00")])
        monday = by_slug("mon")
        save_meeting(user(app, person), monday, 0)
        autumn = meeting_occurrences(
            user(app, person),
            datetime(2026, 10, 25, tzinfo=ET),
            datetime(2026, 11, 10, tzinfo=ET),
        )
        spring = meeting_occurrences(
            user(app, person), datetime(2026, 3, 1, tzinfo=ET), datetime(2026, 3, 12, tzinfo=ET)
        )
    for found in (autumn, spring):
        assert [(o.start.astimezone(ET).hour, o.end.astimezone(ET).hour) for o in found] == [
            (19, 20)
        ] * len(found)
    assert [o.key for o in autumn] == [
        f"meeting-{monday.id}-20261026",
        f"meeting-{monday.id}-20261102",
        f"meeting-{monday.id}-20261109",
    ]
    # The same wall-clock time is a different instant once the clocks change.
    assert autumn[0].start.astimezone(UTC).hour == 23 and autumn[1].start.astimezone(UTC).hour == 0
    assert spring[0].start.astimezone(UTC).hour == 0 and spring[1].start.astimezone(UTC).hour == 23
    first = autumn[0]
    assert (first.title, first.place, first.url) == (
        "Monday Night",
        "12 Main St, Riverton, PA 19301, USA",
        "",
    )
    assert first.detail_url == f"/meetings/{monday.id}"
    assert first.start.tzinfo is not None


def test_occurrences_cover_saved_and_own_meetings_of_this_client_only(app):
    person, other = make_user(app, "client"), make_user(app, "client")
    start, end = datetime(2026, 11, 16, tzinfo=ET), datetime(2026, 11, 23, tzinfo=ET)
    with app.test_request_context():
        import_entries(
            [
                meeting("mwf", name="Three a week", day=[1, 3, 5], time="12:00"),
                meeting("gone", name="Gone", day=2),
                meeting(
                    "zoom",
                    day=4,
                    conference_url="https://zoom.us/j/9",
                    formatted_address=None,
                    types=["ONL"],
                ),
            ]
        )
        for slug in ("mwf", "gone", "zoom"):
            save_meeting(user(app, person), by_slug(slug), 0)
        save_meeting(user(app, other), by_slug("mwf"), 0)
        own = add_personal_meeting(
            user(app, person), "Sponsor coffee", 6, time(9, 0), time(10, 0), link="https://x.org"
        )
        import_entries(
            [
                meeting("mwf", name="Three a week", day=[1, 3, 5], time="12:00"),
                meeting(
                    "zoom",
                    day=4,
                    conference_url="https://zoom.us/j/9",
                    formatted_address=None,
                    types=["ONL"],
                ),
            ]
        )
        found = meeting_occurrences(user(app, person), start, end)
        assert [o.title for o in found] == [
            "Three a week",
            "Three a week",
            "Meeting zoom",
            "Three a week",
            "Sponsor coffee",
        ]
        assert found[2].url == "https://zoom.us/j/9" and found[2].place == ""
        assert found[-1].key == f"personal-meeting-{own.id}-20261121"
        assert found[-1].detail_url == f"/meetings/mine#personal-{own.id}"
        assert len({o.key for o in found}) == len(found)
        assert meeting_occurrences(user(app, person), start, end) == found


# ---- reminders: the notifications feature's live source for saved meetings ----


def _with_a_device(person_id: int) -> None:
    """Reminder sources answer only for people with a device turned on."""
    db.session.add(
        PushSubscription(
            user_id=person_id, endpoint=f"https://push.example/{person_id}", p256dh="k", auth="a"
        )
    )
    db.session.commit()


def test_a_saved_meeting_is_reminded_at_its_lead_time_until_it_begins(app):
    person = make_user(app, "client")
    with app.app_context(), app.test_request_context():
        _with_a_device(person.id)
        import_entries([meeting("mon", name="Secret Name", day=1, time="19:00")])
        saved = save_meeting(user(app, person), by_slug("mon"), 60)
        monday_7pm = datetime(2026, 11, 23, 19, 0, tzinfo=ET)
        [due] = due_meeting_reminders(monday_7pm - timedelta(hours=2))
        assert (due.user_id, due.object_ref) == (person.id, f"saved_meeting:{saved.id}")
        assert (due.due_at, due.not_after) == (monday_7pm - timedelta(minutes=60), monday_7pm)
        assert "Secret" not in due.payload
        assert len(due_meeting_reminders(monday_7pm - timedelta(seconds=1))) == 1
        assert due_meeting_reminders(monday_7pm) == []  # too late once it has begun
        saved.reminder_minutes = 0
        db.session.commit()
        assert due_meeting_reminders(monday_7pm - timedelta(minutes=30)) == []


def test_no_reminder_for_a_meeting_no_longer_listed(app):
    person = make_user(app, "client")
    with app.app_context(), app.test_request_context():
        _with_a_device(person.id)
        import_entries([meeting("mon", day=1), meeting("tue", day=2)])
        save_meeting(user(app, person), by_slug("mon"), 30)
        import_entries([meeting("tue", day=2)])
        assert due_meeting_reminders(datetime(2026, 11, 23, 18, 45, tzinfo=ET)) == []


# ---- the weekly goal ----


def test_progress_counts_monday_to_sunday_against_the_goal(app):
    person, staff = make_user(app, "client"), make_user(app, "staff")
    with app.app_context():
        client = user(app, person)
        sunday = date(2026, 11, 22)
        assert week_progress(client, sunday).goal is None
        set_goal(client, 3, db.session.get(User, staff.id))
        for day in (date(2026, 11, 15), date(2026, 11, 16), date(2026, 11, 20), sunday):
            log_attendance(client, day, title="Home group")
        progress = week_progress(client, sunday)
        assert (progress.count, progress.goal, progress.met) == (3, 3, True)
        assert week_progress(client, date(2026, 11, 23)).count == 0
        set_goal(client, 0, None)
        assert db.session.scalar(select(func.count()).select_from(MeetingGoal)) == 0


# ---- the pages ----


@pytest.fixture
def directory(app):
    """Meetings every day at noon and 8 pm, so the pages have something whatever the day."""
    with app.app_context():
        entries = [
            meeting(f"noon-{d}", name=f"Noon {d}", day=d, time="12:00", types=["O", "DD"])
            for d in range(7)
        ]
        entries.append(
            meeting(
                "evil",
                name="<script>alert(1)</script> Group",
                day=list(range(7)),
                time="20:00",
                notes="<img src=x onerror=alert(2)>",
                conference_url="javascript:alert(3)",
                url="https://aa.example.org/meetings/evil",
                types=["O", "ZZTOP"],
            )
        )
        import_entries(entries)
        return {m.slug: m.id for m in db.session.scalars(select(Meeting))}


def test_find_lists_meetings_and_answers_htmx_with_just_the_results(client, login_as, directory):
    login_as("client")
    page = client.get("/meetings?type=DD")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Find a meeting</h1>" in html
    assert html.count('class="meeting-item"') == 7 and "Dual Diagnosis" in html
    fragment = client.get("/meetings?q=noon+3", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="meeting-results"') and "Noon 3" in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/meetings?day=9").status_code == 422


def test_feed_text_is_escaped_and_only_http_links_become_links(client, login_as, directory):
    login_as("client")
    html = client.get(f"/meetings/{directory['evil']}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Group" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://aa.example.org/meetings/evil"' in html
    assert "ZZTOP" not in html and "Open" in html  # a known code by name, an unknown one not raw
    search_html = client.get("/meetings?q=script").get_data(as_text=True)
    assert "<script>alert" not in search_html and "&lt;script&gt;" in search_html


def test_save_with_a_reminder_see_it_in_my_meetings_then_unsave(app, client, login_as, directory):
    login_as("client")
    noon = directory["noon-1"]
    assert post(client, f"/meetings/{noon}/save", {"reminder_minutes": "30"}).status_code == 302
    assert post(client, f"/meetings/{noon}/save", {"reminder_minutes": "45"}).status_code == 422
    html = client.get("/meetings/mine").get_data(as_text=True)
    assert "Noon 1" in html and "30 minutes before" in html
    with app.app_context():
        import_entries([meeting("noon-2", name="Noon 2", day=2, time="12:00")])
    html = client.get("/meetings/mine").get_data(as_text=True)
    assert "No longer listed" in html
    assert "no longer listed" in client.get(f"/meetings/{noon}").get_data(as_text=True)
    # A vanished meeting stays saved but cannot be newly saved by anyone else.
    assert post(client, f"/meetings/{directory['noon-3']}/save", {}).status_code == 422
    assert post(client, f"/meetings/{noon}/unsave", {"back": "mine"}).location == "/meetings/mine"
    assert "Noon 1" not in client.get("/meetings/mine").get_data(as_text=True)


def test_add_a_meeting_of_ones_own(app, client, login_as):
    login_as("client")
    good = {"name": "Sponsor coffee", "day": "6", "start_time": "09:00", "place": "Main St Diner"}
    response = post(client, "/meetings/personal", good)
    assert response.status_code == 302 and "#personal-" in response.location
    for bad, field in [
        ({**good, "place": ""}, "Enter where it is, or a link to join."),
        ({**good, "place": "", "link": "javascript:alert(1)"}, "starts with https://"),
        ({**good, "start_time": "25:00"}, "start_time-error"),
        ({**good, "name": " "}, "Enter a name."),
        ({**good, "day": "9"}, "day-error"),
    ]:
        response = post(client, "/meetings/personal", bad)
        assert response.status_code == 422 and field in response.get_data(as_text=True)
    with app.app_context():
        [own] = db.session.scalars(select(PersonalMeeting)).all()
        assert (own.day, own.start_time, own.end_time) == (6, time(9), time(10))
        assert own.timezone == "America/New_York"
    assert "Sponsor coffee" in client.get("/meetings/mine").get_data(as_text=True)


def test_i_went_from_the_meeting_page_and_the_goal_moves(app, client, login_as, directory):
    person = login_as("client")
    with app.app_context():
        set_goal(user(app, person), 2, None)
        today = today_for(user(app, person), utcnow())
    assert "0 of 2 this week" in client.get("/meetings/attendance").get_data(as_text=True)
    went = {"which": f"meeting-{directory['noon-4']}", "attended_on": today.isoformat()}
    assert post(client, "/meetings/attendance", {**went, "note": "Shared"}).status_code == 302
    html = client.get("/meetings/attendance").get_data(as_text=True)
    assert "1 of 2 this week" in html and "Noon 4" in html and "Shared" in html
    other = {"which": "other", "title": "Church basement group", "attended_on": today.isoformat()}
    assert post(client, "/meetings/attendance", other).status_code == 302
    html = client.get("/today").get_data(as_text=True)
    assert "2 of 2 this week" in html and "You reached this week" in html
    tomorrow = (today + timedelta(days=1)).isoformat()
    for bad in [
        {**went, "attended_on": tomorrow},
        {**went, "attended_on": ""},
        {"which": "other", "attended_on": today.isoformat()},
        {"which": "meeting-999999", "attended_on": today.isoformat()},
        {"which": "meeting-", "attended_on": today.isoformat()},
    ]:
        assert post(client, "/meetings/attendance", bad).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingAttendance)) == 2


def test_someone_elses_own_meeting_cannot_be_logged(app, client, login_as):
    other = make_user(app, "client")
    with app.app_context():
        theirs = add_personal_meeting(user(app, other), "Theirs", 1, time(9), time(10), place="X")
        theirs_id = theirs.id
    login_as("client")
    data = {"which": f"personal-{theirs_id}", "attended_on": date.today().isoformat()}
    assert post(client, "/meetings/attendance", data).status_code == 422


def test_the_care_team_sets_the_goal_and_reads_the_log_which_is_audited(app, client, login_as):
    person = make_user(app, "client", name="Alex Client")
    with app.app_context():
        log_attendance(user(app, person), date(2026, 11, 20), title="Home group", note="Chaired")
    staff = login_as("staff")
    page = client.get(f"/care/clients/{person.id}/meetings").get_data(as_text=True)
    assert "Home group" in page and "Chaired" in page
    response = post(client, f"/care/clients/{person.id}/meetings", {"per_week": "3"})
    assert response.status_code == 302
    assert (
        post(client, f"/care/clients/{person.id}/meetings", {"per_week": "99"}).status_code == 422
    )
    assert "of 3 this week" in client.get(f"/care/clients/{person.id}/meetings").get_data(
        as_text=True
    )
    assert f"/care/clients/{person.id}/meetings" in client.get(
        f"/care/clients/{person.id}"
    ).get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.what == "meetings.attendance")
        ).all()
        assert len(events) == 3 and {e.actor_id for e in events} == {staff.id}
        assert db.session.scalar(select(MeetingGoal)).set_by_id == staff.id


def test_the_more_page_links_to_meetings(client, login_as):
    login_as("client")
    assert 'href="/meetings/mine"' in client.get("/more").get_data(as_text=True)


def test_seed_demo_imports_the_demo_feed_with_two_saved_and_two_this_week(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        alex = db.session.scalar(select(User).where(User.email == "client@example.org"))
        listed = db.session.scalar(select(func.count()).select_from(Meeting))
        assert 45 <= listed <= 55
        progress = week_progress(alex, today_for(alex, utcnow()))
        assert (progress.count, progress.goal) == (2, 3)
        zones = set(db.session.scalars(select(Meeting.timezone)))
        assert {"America/New_York", "America/Los_Angeles", "America/Chicago"} <= zones
        modes = set(db.session.scalars(select(Meeting.mode)))
        assert modes == {"in_person", "online", "hybrid"}
        types = "".join(db.session.scalars(select(Meeting.type_codes)))
        for code in ("|O|", "|C|", "|D|", "|DD|", "|POA|", "|S|", "|ONL|"):
            assert code in types
        assert db.session.scalar(select(func.count()).select_from(SavedMeeting)) == 2


def test_no_last_names_are_imported_from_contact_fields(app):
    with app.app_context():
        import_entries([meeting("a", contact_1_name="Bill Wilson", contact_1_phone="555")])
        columns = {c.name for c in Meeting.__table__.columns}
        assert not any("contact" in c for c in columns)
        row = db.session.execute(select(Meeting.__table__)).one()
        assert "Wilson" not in re.sub(r"\s+", " ", str(tuple(row)))
