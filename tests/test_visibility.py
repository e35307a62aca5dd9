"""One rule for who may see which session: every reader, for a family member, before, during and
after a consent's window and after a revoke, finds nothing outside the window.

The readers: the rule itself, the family page, a session's page, the calendar feed, the reminder
source and the dispatcher. The app's clock is moved with time-machine; the rules get `now`."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.consent.models import ConsentGrant
from portal.consent.rules import revoke
from portal.extensions import db
from portal.family.invitations import sign_consent
from portal.notifications.reminders import due_session_reminders
from portal.schedule.models import SeriesFamilyMember, SessionSeries
from portal.schedule.occurrences import occurrence_key
from portal.schedule.visibility import visible_occurrences
from tests.conftest import make_user, post, sign_in
from tests.push_helpers import add_device, dispatch, make_clinic
from tests.test_notifications import push  # noqa: F401 (the fake push service fixture)

NY = ZoneInfo("America/New_York")
SIGNED = datetime(2026, 11, 20, 10, tzinfo=NY)
LAST_DAY = date(2026, 12, 12)  # the consent ends at midnight after it
ENDS = datetime(2026, 12, 13, tzinfo=NY)
REVOKED = datetime(2026, 11, 30, 12, tzinfo=NY)
# The family session: Saturdays at 10 am, from Nov 7 (two before the consent) to Dec 26.
SATURDAYS = [date(2026, 11, 7) + timedelta(weeks=i) for i in range(8)]
INSTANTS = {
    "before": datetime(2026, 11, 19, 12, tzinfo=NY),
    "during": datetime(2026, 11, 23, 12, tzinfo=NY),
    "after": datetime(2026, 12, 14, 12, tzinfo=NY),
}


def _start(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=NY)


def _setup(app, service=None):
    clinic = make_clinic(app)
    family = make_user(app, "family", email="pat@example.org", name="Pat Parent")
    if service is not None:
        add_device(app, family.id, service.new_device())
    with app.app_context(), app.test_request_context():
        series = SessionSeries(
            kind="family",
            client_id=clinic.client.id,
            timezone="America/New_York",
            start_date=SATURDAYS[0],
            until_date=SATURDAYS[-1],
            start_time=time(10),
            duration_minutes=60,
            weekdays="5",
            room="Family room",
        )
        db.session.add(series)
        db.session.flush()
        db.session.add(SeriesFamilyMember(series_id=series.id, family_id=family.id))
        client = db.session.get(User, clinic.client.id)
        grant = sign_consent(
            client, "Pat Parent", "Parent", "pat@example.org", LAST_DAY, "Alex Morgan", SIGNED
        )
        grant.family_id = family.id
        db.session.commit()
        return family.id, series.id, grant.id


def _allowed(now: datetime, revoked: bool) -> set[date]:
    """What the consent lets a family member see at `now`: nothing, or the window's sessions."""
    valid = SIGNED <= now < ENDS and not (revoked and now >= REVOKED)
    return {d for d in SATURDAYS if valid and SIGNED <= _start(d) < ENDS}


def _days(keys) -> set[date]:
    return {
        datetime.strptime(k, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(NY).date()
        for k in keys
    }


def _readers(app, family_id: int, series_id: int, now: datetime) -> dict[str, set[date]]:
    """Ask every reader what the family member sees at `now`; the session days, per reader."""
    seen = {}
    with app.app_context(), app.test_request_context():
        person = db.session.get(User, family_id)
        rule = visible_occurrences(
            person, now - timedelta(days=60), now + timedelta(days=90), now, NY
        )
        seen["rule"] = {o.start.date() for o in rule}
        reminders = [r for r in due_session_reminders(now) if r.user_id == family_id]
        seen["reminder source"] = _days(r.occurrence.split(".")[0] for r in reminders)
    browser = app.test_client()
    with time_machine.travel(now, tick=False):
        sign_in(browser, "pat@example.org")
        home = browser.get("/family/").get_data(as_text=True)
        seen["family page"] = _days(re.findall(rf"/calendar/{series_id}/(\w+)", home))
        pages = {d for d in SATURDAYS if _page_opens(browser, series_id, d)}
        seen["session page"] = pages
        post(browser, "/settings/calendar-feed/new")
        settings = browser.get("/settings").get_data(as_text=True)
        url = re.search(r"<code>https?://[^/]+(/feeds/[^<]+\.ics)</code>", settings).group(1)
        feed = Calendar.from_ical(app.test_client().get(url).get_data())
    seen["feed"] = {e.decoded("dtstart").astimezone(NY).date() for e in feed.walk("VEVENT")}
    return seen


def _page_opens(browser, series_id: int, day: date) -> bool:
    key = occurrence_key(_start(day))
    return browser.get(f"/calendar/{series_id}/{key}").status_code == 200


@pytest.mark.parametrize("phase", list(INSTANTS))
def test_every_reader_shows_only_the_consents_window(app, phase):
    family_id, series_id, _grant_id = _setup(app)
    now = INSTANTS[phase]
    allowed = _allowed(now, revoked=False)
    seen = _readers(app, family_id, series_id, now)
    for reader, days in seen.items():
        assert days <= allowed, (reader, days - allowed)
    if phase == "during":  # the readers that look ahead see the whole rest of the window
        assert allowed == {
            date(2026, 11, 21),
            date(2026, 11, 28),
            date(2026, 12, 5),
            date(2026, 12, 12),
        }
        assert seen["rule"] == seen["feed"] == seen["session page"] == allowed
        assert seen["family page"] == allowed - {date(2026, 11, 21)}  # that one is past
    else:
        assert all(days == set() for days in seen.values()), seen


def test_after_a_revoke_every_reader_shows_nothing(app):
    family_id, series_id, grant_id = _setup(app)
    with app.app_context():
        revoke(db.session.get(ConsentGrant, grant_id), REVOKED)
    for now in (REVOKED + timedelta(minutes=1), INSTANTS["after"]):
        seen = _readers(app, family_id, series_id, now)
        assert all(days == set() for days in seen.values()), (now, seen)


@pytest.mark.parametrize("revoked", [False, True])
def test_the_dispatcher_sends_family_reminders_only_inside_the_window(app, push, revoked):  # noqa: F811
    family_id, _series_id, grant_id = _setup(app, push)
    if revoked:
        with app.app_context():
            revoke(db.session.get(ConsentGrant, grant_id), REVOKED)
    sent_for = set()
    for day in SATURDAYS:  # a pass an hour before each session, as the worker would run it
        before = len(push.accepted)
        dispatch(app, _start(day) - timedelta(minutes=55))
        if len(push.accepted) > before:
            sent_for.add(day)
    expected = {d for d in SATURDAYS if d in _allowed(_start(d) - timedelta(minutes=55), revoked)}
    assert sent_for == expected
    assert expected == (
        {date(2026, 11, 21), date(2026, 11, 28)}
        if revoked
        else {date(2026, 11, 21), date(2026, 11, 28), date(2026, 12, 5), date(2026, 12, 12)}
    )
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(what="family.reminder").all()
        assert {(e.actor_id, e.consent_id) for e in events} == {(family_id, grant_id)}
        assert len(events) == len(expected)
