"""A client's program ends well: a discharge with a date, aftercare for AFTERCARE_DAYS, then the
account closes; every reader follows the one rule (accounts/program.py), at fixed instants."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.program import AFTERCARE, CLOSED, PROGRAM, stage
from portal.audit.models import AuditEvent
from portal.care_team.discharge import discharge, readmit
from portal.checkins.models import CheckIn
from portal.checkins.rules import save_checkin
from portal.consent.models import ConsentGrant
from portal.extensions import db
from portal.family.invitations import sign_consent
from portal.notifications.care_sources import due_review_reminders
from portal.notifications.models import PushSubscription
from portal.schedule.visibility import visible_occurrences
from tests.conftest import make_user, post, sign_in
from tests.test_visibility import _readers, _setup

NY = ZoneInfo("America/New_York")
LAST_DAY = date(2026, 11, 24)  # a Tuesday: the program ends at midnight after it
END = datetime(2026, 11, 25, tzinfo=NY)
DANGER = {
    "mood": 1,
    "craving": 10,
    "used": True,
    "used_what": "",
    "sleep": "hardly",
    "triggers": [],
    "coping": [],
    "confidence": 1,
    "self_harm": True,
    "note": "",
}


def person(user_id) -> User:
    return db.session.get(User, user_id)


def discharged(app, client_id, staff_id, day=LAST_DAY, reason="completed"):
    with app.app_context():
        discharge(person(client_id), day, reason, by=person(staff_id), now=END - timedelta(days=3))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (END - timedelta(seconds=1), PROGRAM),
        (END, AFTERCARE),
        (END + timedelta(days=364, hours=23), AFTERCARE),
        (END + timedelta(days=365), CLOSED),
    ],
    ids=["last-second", "midnight-after", "last-aftercare-hour", "a-year-on"],
)
def test_where_a_client_stands(app, now, expected):
    staff, client = make_user(app, "staff"), make_user(app, "client")
    discharged(app, client.id, staff.id)
    with app.app_context():
        standing = stage(person(client.id), now=now)
        assert standing.name == expected
        assert standing.program_end == END
        assert standing.closes_at == END + timedelta(days=365)
        assert standing.last_day == date(2027, 11, 24)
        assert stage(person(staff.id), now=now).name == PROGRAM  # only clients are discharged
        assert standing.closing_soon(now) == (
            expected == AFTERCARE and now >= END + timedelta(days=335)
        )
        readmit(person(client.id), by=person(staff.id), now=now)
        assert stage(person(client.id), now=now).name == PROGRAM


def test_aftercare_days_is_the_clinics_choice(app):
    app.config["AFTERCARE_DAYS"] = 30
    staff, client = make_user(app, "staff"), make_user(app, "client")
    discharged(app, client.id, staff.id)
    with app.app_context():
        assert stage(person(client.id), now=END + timedelta(days=30)).name == CLOSED


def test_no_program_sessions_after_the_program_ends(app):
    from tests.test_schedule import build_clinic

    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=NY), tick=False):
        clinic = build_clinic(app)
    discharged(app, clinic.member.id, clinic.staff.id)
    with app.app_context():
        member = person(clinic.member.id)
        window = (END - timedelta(days=14), END + timedelta(days=14))
        before = visible_occurrences(member, *window, END - timedelta(days=3), NY)
        assert before and all(o.start < END for o in before)
        after = visible_occurrences(member, END, END + timedelta(days=30), END, NY)
        assert after == []
        # The other member of the group still sees the group's sessions.
        other = visible_occurrences(
            person(clinic.member2.id), END, END + timedelta(days=7), END, NY
        )
        assert other


def test_in_aftercare_a_check_in_flags_nobody_but_the_client_sees_help(app):
    staff = make_user(app, "staff", name="Casey Counselor")
    client = make_user(app, "client", name="Alex Client", counselor_id=staff.id)
    with app.app_context():
        db.session.add(
            PushSubscription(
                user_id=staff.id,
                endpoint="https://fcm.googleapis.com/fcm/send/c",
                p256dh="p",
                auth="a",
            )
        )
        db.session.commit()
    discharged(app, client.id, staff.id)
    later = END + timedelta(days=10, hours=12)
    with app.app_context(), app.test_request_context():
        checkin, newly = save_checkin(person(client.id), later.date(), DANGER, later)
        assert not newly and checkin.flagged_at is None
        assert due_review_reminders(later + timedelta(minutes=1)) == []
        checkin_id = checkin.id
    browser = app.test_client()
    with time_machine.travel(later + timedelta(minutes=2), tick=False):
        sign_in(browser, client.email)
        page = browser.get(f"/checkins/{checkin_id}").get_data(as_text=True)
        assert "the care team is not told" in page and 'href="tel:988"' in page
        assert "Your care team has been told" not in page
        today = browser.get("/today").get_data(as_text=True)
        assert "You are in aftercare" in today and "Your progress" not in today
        form = browser.get("/checkin").get_data(as_text=True)
        assert "the care team is not told" in form
        assert "Your care team has not been told" not in form
    # Before the discharge the same answers flag the check-in as ever.
    with app.app_context():
        earlier = END - timedelta(days=2)
        checkin, newly = save_checkin(person(client.id), earlier.date(), DANGER, earlier)
        assert newly and checkin.flagged_at is not None


def test_family_consents_end_with_the_program_and_a_new_one_works(app):
    family_id, series_id, grant_id = _setup(app)
    with app.app_context():
        client_id = db.session.get(ConsentGrant, grant_id).client_id
        staff = make_user(app, "staff")
        discharge(
            person(client_id),
            date(2026, 11, 27),
            "stepped_down",
            by=person(staff.id),
            now=datetime(2026, 11, 26, tzinfo=NY),
        )
        grant = db.session.get(ConsentGrant, grant_id)
        assert grant.revoked_at == datetime(2026, 11, 28, tzinfo=NY)
    # Before the end: only the sessions before it; after: nothing, by every reader.
    seen = _readers(app, family_id, series_id, datetime(2026, 11, 23, 12, tzinfo=NY))
    assert seen["rule"] == {date(2026, 11, 21)}
    assert all(days <= {date(2026, 11, 21)} for days in seen.values()), seen
    seen = _readers(app, family_id, series_id, datetime(2026, 12, 1, 12, tzinfo=NY))
    assert all(days == set() for days in seen.values()), seen
    # The client renews it in aftercare: valid again, but no program sessions to show.
    with app.app_context():
        renewed = sign_consent(
            person(client_id),
            "Pat Parent",
            "Parent",
            "pat@example.org",
            date(2027, 1, 31),
            "Alex Morgan",
            datetime(2026, 12, 2, tzinfo=NY),
        )
        renewed.family_id = family_id
        db.session.commit()
        assert renewed.is_valid(datetime(2026, 12, 3, tzinfo=NY))


def test_a_closed_account_cannot_sign_in_and_its_sessions_end(app):
    staff, client = make_user(app, "staff"), make_user(app, "client")
    app.config["AFTERCARE_DAYS"] = 30
    discharged(app, client.id, staff.id)
    phone = app.test_client()
    with time_machine.travel(END + timedelta(days=29), tick=False):
        assert sign_in(phone, client.email).status_code == 302
        today = phone.get("/today").get_data(as_text=True)
        assert "Your access ends after" in today and "/my-data" in today
    with time_machine.travel(END + timedelta(days=30, minutes=1), tick=False):
        assert phone.get("/today", follow_redirects=False).status_code == 302
        browser = app.test_client()
        refused = post(
            browser, "/login", {"email": client.email, "password": "correct horse battery"}
        )
        html = refused.get_data(as_text=True)
        assert refused.status_code == 401 and "Your aftercare access ended after" in html
        wrong = post(browser, "/login", {"email": client.email, "password": "not the words"})
        assert "aftercare" not in wrong.get_data(as_text=True)


def test_the_counselors_pages(app, client):
    staff = make_user(app, "staff", name="Casey Counselor")
    member = make_user(app, "client", name="Alex Client", counselor_id=staff.id)
    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=NY), tick=False):
        sign_in(client, staff.email)
        page = client.get(f"/care/clients/{member.id}").get_data(as_text=True)
        assert "In the program" in page and "End the program (discharge)" in page
        url = f"/care/clients/{member.id}/discharge"
        for bad in (
            {"reason": "", "day": "2026-11-24"},
            {"reason": "expelled", "day": "2026-11-24"},
            {"reason": "completed", "day": ""},
            {"reason": "completed", "day": "2024-01-01"},
            {"reason": "completed", "day": "9999-12-31"},
            {"reason": "completed", "day": "not a day"},
        ):
            response = post(client, url, bad)
            assert response.status_code == 422, bad
            assert 'class="error"' in response.get_data(as_text=True)
        with app.app_context():
            assert person(member.id).discharged_on is None
        done = post(
            client, url, {"reason": "completed", "day": "2026-11-24"}, follow_redirects=True
        )
        html = done.get_data(as_text=True)
        assert "program ends on Tuesday, November 24" in html
        assert "Aftercare until" in html
        back = post(client, f"/care/clients/{member.id}/readmit", follow_redirects=True)
        assert "Alex Client is back in the program" in back.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.client_id == member.id)
        ).all()
        assert {"discharge", "readmit"} <= set(actions)
        assert db.session.scalar(select(CheckIn)) is None


def test_a_client_cannot_discharge_anyone(app, client):
    member = make_user(app, "client")
    sign_in(client, member.email)
    assert client.get(f"/care/clients/{member.id}/discharge").status_code == 404
    response = post(
        client, f"/care/clients/{member.id}/discharge", {"reason": "left", "day": "2026-11-24"}
    )
    assert response.status_code == 404
