"""Hypothesis against the meetings search and forms, and the feed parser: never a 500, never a
stored invalid row, never an unexpected exception from a feed entry."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.extensions import db
from portal.meetings.attendance import MAX_GOAL
from portal.meetings.feed import Skip, parse_entry
from portal.meetings.mine import REMINDER_MINUTES
from portal.meetings.models import (
    Meeting,
    MeetingAttendance,
    MeetingGoal,
    PersonalMeeting,
    SavedMeeting,
)
from tests.conftest import csrf_token, make_user, sign_in
from tests.meeting_feeds import import_entries, meeting
from tests.test_properties import PROPERTY_SETTINGS, _count, odd_text

values = st.one_of(
    odd_text,
    st.sampled_from(["0", "3", "6", "7", "-1", "morning", "night", "online", "in_person", "DD"]),
    st.sampled_from(["09:00", "23:59", "24:00", "9", "2026-11-20", "2026-02-30", "99999-01-01"]),
    st.sampled_from(["meeting-1", "personal-1", "other", "meeting-", "meeting-99999999999999"]),
    st.sampled_from(["https://zoom.us/j/1", "javascript:alert(1)", "30", "15", "1e9"]),
)


def fields(names):
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


def _client(app, client):
    if not hasattr(app, "_prop_client"):
        app._prop_client = make_user(app, "client")
        sign_in(client, app._prop_client.email)
        with app.app_context():
            import_entries([meeting("a"), meeting("b", day=[1, 4], time="07:30")])
            app._prop_meeting_id = db.session.scalars(select(Meeting.id)).first()
    return app._prop_client


@PROPERTY_SETTINGS
@given(query=fields(["q", "day", "part", "mode", "type", "extra"]))
def test_meeting_search_never_breaks(app, client, query):
    _client(app, client)
    response = client.get("/meetings", query_string=query, headers={"HX-Request": "true"})
    assert response.status_code in (200, 422), response.status_code


@PROPERTY_SETTINGS
@given(data=fields(["which", "title", "attended_on", "note"]))
def test_attendance_form_stores_only_valid_entries(app, client, data):
    _client(app, client)
    before = _count(app, MeetingAttendance)
    response = client.post("/meetings/attendance", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 422), response.status_code
    assert _count(app, MeetingAttendance) == before + (response.status_code == 302)
    with app.app_context():
        for entry in db.session.scalars(select(MeetingAttendance)):
            assert entry.title and len(entry.title) <= 255 and "\x00" not in entry.title
            assert date.today() - timedelta(days=367) <= entry.attended_on
            assert entry.attended_on <= date.today() + timedelta(days=1)
            assert len(entry.note) <= 500


@PROPERTY_SETTINGS
@given(data=fields(["name", "day", "start_time", "end_time", "place", "link"]))
def test_personal_meeting_form_stores_only_valid_meetings(app, client, data):
    _client(app, client)
    before = _count(app, PersonalMeeting)
    response = client.post("/meetings/personal", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 422), response.status_code
    assert _count(app, PersonalMeeting) == before + (response.status_code == 302)
    with app.app_context():
        for own in db.session.scalars(select(PersonalMeeting)):
            assert own.name and 0 <= own.day <= 6 and (own.place or own.link)
            assert not own.link or own.link.startswith(("http://", "https://"))
            db.session.delete(own)
        db.session.commit()


@PROPERTY_SETTINGS
@given(data=fields(["reminder_minutes", "back"]))
def test_save_form_stores_only_offered_reminders(app, client, data):
    _client(app, client)
    url = f"/meetings/{app._prop_meeting_id}/save"
    response = client.post(url, data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 422), response.status_code
    with app.app_context():
        for saved in db.session.scalars(select(SavedMeeting)):
            assert saved.reminder_minutes in REMINDER_MINUTES


@PROPERTY_SETTINGS
@given(data=fields(["per_week", "extra"]))
def test_goal_form_stores_only_sensible_goals(app, client, data):
    if not hasattr(app, "_prop_staff"):
        app._prop_staff = make_user(app, "staff")
        app._prop_goal_client = make_user(app, "client")
        sign_in(client, app._prop_staff.email)
    url = f"/care/clients/{app._prop_goal_client.id}/meetings"
    response = client.post(url, data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 422), response.status_code
    with app.app_context():
        for goal in db.session.scalars(select(MeetingGoal)):
            assert 1 <= goal.per_week <= MAX_GOAL


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
entries = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            key: json_values | st.sampled_from(["0", "Monday", "19:00", "America/Chicago", [1, 2]])
            for key in (
                "name",
                "slug",
                "day",
                "time",
                "end_time",
                "timezone",
                "types",
                "formatted_address",
                "address",
                "city",
                "conference_url",
                "conference_phone",
                "attendance_option",
                "regions",
                "notes",
            )
        },
    ),
)


@PROPERTY_SETTINGS
@given(entry=entries)
def test_any_feed_entry_is_a_record_or_a_skip_with_a_reason(entry):
    try:
        record = parse_entry(entry, "America/New_York")
    except Skip as reason:
        assert str(reason)
        return
    assert record.slug and record.name and record.days
    assert set(record.days) <= set("0123456")
    assert "\x00" not in record.name + record.notes + record.address
    assert not record.conference_url or record.conference_url.startswith(("http://", "https://"))
    assert len(record.type_codes) <= 1000
