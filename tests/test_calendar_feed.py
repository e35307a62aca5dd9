"""The personal calendar feed: valid iCalendar, neutral by default, stable UIDs, revocable."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from portal.extensions import db
from portal.schedule.rules import cancel_occurrence, move_occurrence
from portal.timeutil import utcnow
from tests.conftest import every_clinic_instant, post, sign_in
from tests.test_frame import TREATMENT_WORDS
from tests.test_schedule import build_clinic, next_group_occurrence, person

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")


def feed_url(client) -> str:
    post(client, "/settings/calendar-feed/new")
    html = client.get("/settings").get_data(as_text=True)
    return re.search(r"<code>https?://[^/]+(/feeds/[^<]+\.ics)</code>", html).group(1)


def events(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    cal = Calendar.from_ical(response.get_data())
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_settings_offers_the_feed_only_after_asking(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    html = client.get("/settings").get_data(as_text=True)
    assert "Get my calendar address" in html and "/feeds/" not in html
    url = feed_url(client)
    token = url.split("/")[-1].removesuffix(".ics")
    assert len(token) >= 32  # 24 random bytes = 192 bits
    html = client.get("/settings").get_data(as_text=True)
    assert 'href="webcal://' in html and url in html


def test_the_feed_is_valid_neutral_icalendar(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = feed_url(client)
    anonymous = app.test_client()  # a phone's calendar app has no cookie
    cal, found = events(anonymous, url)
    assert len(found) > 20
    raw = anonymous.get(url).get_data(as_text=True)
    assert not TREATMENT_WORDS.search(raw), TREATMENT_WORDS.search(raw)
    assert "BEGIN:VTIMEZONE" in raw and "TZID:America/New_York" in raw
    for uid, event in found.items():
        assert str(event["SUMMARY"]) == "Appointment"
        assert event["DTSTART"].dt.tzinfo is not None
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert re.fullmatch(r"\d+-\d{8}T\d{6}Z@portal\.example\.org", uid)
    locations = {str(e.get("LOCATION")) for e in found.values()}
    assert "1 Main St" in locations and "Office 4" in locations


def test_full_titles_only_when_the_client_chooses(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = feed_url(client)
    post(client, "/settings/calendar-feed/titles", {"full_titles": "1"})
    _, found = events(app.test_client(), url)
    assert {str(e["SUMMARY"]) for e in found.values()} == {"Evening group", "Individual session"}
    post(client, "/settings/calendar-feed/titles", {"full_titles": "0"})
    _, found = events(app.test_client(), url)
    assert {str(e["SUMMARY"]) for e in found.values()} == {"Appointment"}


@every_clinic_instant
def test_uids_are_stable_and_changes_show(app, clinic_clock):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = feed_url(client)
    _, before = events(app.test_client(), url)
    with app.app_context():
        staff = person(clinic.staff.id)
        first = next_group_occurrence(clinic, after_days=2)
        # The one after it: "5 days ahead" was the same session when run on a Wednesday.
        second = next_group_occurrence(clinic, now=first.end, after_days=0.01)
        cancel_occurrence(first, staff, now=utcnow())
        new_start = second.start + timedelta(hours=1)
        move_occurrence(second, new_start, new_start + timedelta(hours=3), staff, now=utcnow())
        db.session.remove()
    _, after = events(app.test_client(), url)
    assert set(after) == set(before)
    cancelled_uid = f"{clinic.group_series_id}-{first.key}@portal.example.org"
    moved_uid = f"{clinic.group_series_id}-{second.key}@portal.example.org"
    assert str(after[cancelled_uid]["STATUS"]) == "CANCELLED"
    assert int(after[cancelled_uid]["SEQUENCE"]) == 1
    assert after[moved_uid]["DTSTART"].dt == new_start
    assert int(after[moved_uid]["SEQUENCE"]) == 1
    assert int(before[moved_uid]["SEQUENCE"]) == 0


def test_a_new_address_kills_the_old_one(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    old = feed_url(client)
    new = feed_url(client)
    assert old != new
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200


def test_the_feed_follows_the_same_rules_as_the_calendar(app):
    clinic = build_clinic(app)
    outsider = app.test_client()
    sign_in(outsider, clinic.outsider.email)
    _, found = events(app.test_client(), feed_url(outsider))
    assert found == {}
    assert app.test_client().get("/feeds/x.ics").status_code == 404
    assert app.test_client().get("/feeds/" + "a" * 80 + ".ics").status_code == 404


def test_a_deactivated_account_has_no_feed(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = feed_url(client)
    with app.app_context():
        person(clinic.member.id).active = False
        db.session.commit()
    assert app.test_client().get(url).status_code == 404


def test_saved_meetings_join_the_calendar_and_the_feed_neutrally(app):
    from portal.accounts.models import User
    from portal.meetings.mine import save_meeting
    from portal.meetings.models import Meeting
    from tests.meeting_feeds import import_entries, meeting

    clinic = build_clinic(app)
    with app.app_context():
        import_entries(
            [
                meeting(
                    "hope",
                    name="Daily Sober Hope",
                    day=[0, 1, 2, 3, 4, 5, 6],
                    formatted_address="5 Elm St, Riverton, PA 19301, USA",
                )
            ]
        )
        found = db.session.query(Meeting).one()
        save_meeting(db.session.get(User, clinic.member.id), found, 30)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Daily Sober Hope" in page and 'class="session-row is-meeting"' in page
    url = feed_url(client)
    raw = app.test_client().get(url).get_data(as_text=True)
    assert "Sober" not in raw and "UID:meeting-" in raw and "5 Elm St" in raw
    post(client, "/settings/calendar-feed/titles", {"full_titles": "1"})
    assert "Daily Sober Hope" in app.test_client().get(url).get_data(as_text=True)


def test_the_feed_token_is_stored_only_as_a_hash_and_shown_again(app, client):
    """A copy of the database opens no feed; the person can still copy their address."""
    from sqlalchemy import text

    clinic = build_clinic(app)
    sign_in(client, clinic.member.email)
    url = feed_url(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM calendar_feeds")).mappings().one()
        assert token not in " ".join(str(v) for v in row.values())
    assert url in client.get("/settings").get_data(as_text=True)  # shown again, the same
    assert client.get(url).status_code == 200
    app.config["SECRET_KEY"] = "a new key"  # a new key: the old address works, is not shown
    assert client.get(url).status_code == 200
    sign_in(client, clinic.member.email)  # the new key also ended the signed session
    page = client.get("/settings").get_data(as_text=True)
    assert "/feeds/" not in page and "cannot be shown again" in page
