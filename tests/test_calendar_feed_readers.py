"""Our .ics feeds as other programs read them: the same UTC start for every event in two
independent parsers, across both 2027 daylight-saving changes (US: 14 March and 7 November)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.meetings.mine import save_meeting
from portal.meetings.models import Meeting
from portal.schedule.models import SessionSeries
from portal.schedule.occurrences import occurrences_for
from portal.schedule.rules import move_occurrence
from portal.timeutil import utcnow
from tests.conftest import sign_in
from tests.ical_readers import ical_js_starts, python_starts, vtimezone_starts
from tests.meeting_feeds import import_entries, meeting
from tests.test_calendar_feed import feed_url
from tests.test_schedule import build_clinic

pytestmark = pytest.mark.usefixtures("clinic_clock")

ET, LA = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
# Each feed covers a month back and six months ahead, so one instant per change.
AROUND_THE_CHANGES = {
    "spring-2027": (datetime(2027, 2, 20, 12, tzinfo=ET), date(2027, 3, 14)),
    "fall-2027": (datetime(2027, 10, 15, 12, tzinfo=ET), date(2027, 11, 7)),
}


def a_client_with_three_zones(app, clinic):
    """Add to the clinic's client a series in Los Angeles, an Edmonton meeting and a move."""
    with app.app_context():
        member = db.session.get(User, clinic.member.id)
        db.session.add(
            SessionSeries(
                kind="individual",
                client_id=member.id,
                timezone="America/Los_Angeles",
                start_date=utcnow().date(),
                start_time=time(10),
                duration_minutes=50,
                weekdays="4",
                facilitator_id=clinic.staff.id,
            )
        )
        db.session.commit()
        import_entries([meeting("yeg", day=1, time="7:00 PM", timezone="America/Edmonton")])
        save_meeting(member, db.session.scalar(select(Meeting)), 0)
        now = utcnow()
        later = occurrences_for(member, now + timedelta(days=60), now + timedelta(days=70), ET)
        moved = later[0]
        new_start = moved.start + timedelta(hours=1)
        move_occurrence(moved, new_start, new_start + timedelta(hours=1), clinic.staff, now=now)


@pytest.mark.parametrize("change", AROUND_THE_CHANGES)
def test_two_parsers_read_the_same_utc_start_for_every_event(app, clinic_clock, tmp_path, change):
    instant, change_day = AROUND_THE_CHANGES[change]
    clinic_clock.move_to(instant)
    clinic = build_clinic(app)
    a_client_with_three_zones(app, clinic)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    feed = app.test_client().get(feed_url(client)).get_data()

    window = (instant - timedelta(days=40), instant + timedelta(days=200))
    in_python = python_starts(feed, *window)
    by_vtimezone = vtimezone_starts(feed)
    in_ical_js = ical_js_starts(feed, tmp_path)
    assert len(in_python) > 100
    assert in_python == by_vtimezone == in_ical_js
    # Both sides of the change are there, and 6 pm stays 6 pm in New York.
    change_at = datetime.combine(change_day, time(12), tzinfo=ET)
    evening = {s.astimezone(ET).time() for s in in_python.values()} & {time(18)}
    assert evening
    before = [s for s in in_python.values() if s < change_at]
    after = [s for s in in_python.values() if s > change_at]
    assert before and after
    offsets = {s.astimezone(ET).utcoffset() for s in in_python.values()}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}


def test_phone_calendars_get_a_name_a_refresh_and_events_in_their_own_zone(app, clinic_clock):
    clinic_clock.move_to(AROUND_THE_CHANGES["spring-2027"][0])
    clinic = build_clinic(app)
    a_client_with_three_zones(app, clinic)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = feed_url(client)
    first = app.test_client().get(url).get_data()
    cal = Calendar.from_ical(first)
    assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) == "My appointments"
    assert cal["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    zones = {str(e["DTSTART"].params["TZID"]) for e in cal.walk("VEVENT")}
    assert zones == {"America/New_York", "America/Los_Angeles", "America/Edmonton"}
    for tz in cal.walk("VTIMEZONE"):
        assert "RDATE" not in tz.to_ical().decode()
        assert [str(p["RRULE"].to_ical().decode()) for p in tz.subcomponents if "RRULE" in p]
    # Fetching again an hour later changes no event: DTSTAMP is the event's, not the fetch's.
    clinic_clock.advance(timedelta(hours=1))
    again = Calendar.from_ical(app.test_client().get(url).get_data())

    def stamps(c):
        return {str(e["UID"]): e["DTSTAMP"].dt for e in c.walk("VEVENT")}

    common = stamps(cal).keys() & stamps(again).keys()
    assert len(common) > 50
    assert all(stamps(cal)[uid] == stamps(again)[uid] for uid in common)
    assert all(s <= utcnow() for s in stamps(again).values())
    # The Los Angeles series keeps 10:00 there, whatever the clinic's zone.
    la = [
        e["DTSTART"].dt
        for e in cal.walk("VEVENT")
        if str(e["DTSTART"].params["TZID"]) == "America/Los_Angeles"
    ]
    assert la and {d.time() for d in la} == {time(10)}
    assert {d.astimezone(UTC).hour for d in la} == {17, 18}  # PDT and PST
