"""The page cache (portal/client_cache.py) never shows what a committed change replaced.

Two apps on one database stand for two gunicorn processes: one keeps Today in its cache while
the other (or the client, or a staff member) changes something; the cached page must then be
exactly the page a cold process renders. Every kind of row Today reads is changed once.
"""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import delete, insert, select

from portal import create_app
from portal.accounts.models import User
from portal.care_team.discharge import discharge
from portal.checkins.rules import save_checkin
from portal.extensions import db
from portal.meetings.mine import add_personal_meeting
from portal.recovery_plan.contacts import add_contact
from portal.recovery_plan.models import SupportContact
from portal.schedule.models import SessionSeries
from portal.schedule.occurrences import expand
from portal.schedule.rules import cancel_occurrence, move_occurrence, record_attendance, send_notice
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import sign_in
from tests.test_checkins import ANSWERS
from tests.test_query_counts import counting
from tests.test_schedule import build_clinic, person, series

pytestmark = pytest.mark.usefixtures("clinic_clock")

TOKENS = re.compile(r'(name="csrf_token" type="hidden" value="|"X-CSRFToken": ")[^"]+')


def page(client, path="/today") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return TOKENS.sub(r"\1…", response.get_data(as_text=True))


def statements(app, client, path="/today") -> int:
    with counting(app) as seen:
        page(client, path)
    return len(seen)


@pytest.fixture
def two_processes(app):
    """This app keeps its cache; `other` is a second process on the same database."""
    other = create_app({**app.config, "TESTING": True})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def coming_group_session(clinic):
    now, zone = utcnow(), clinic_zone()
    found = expand([series(clinic.group_series_id)], now, now + timedelta(days=8), zone)
    return next(o for o in found if o.start > now)


def todays_or_next(clinic):
    """The session Today shows first: in progress, or the next to start."""
    now, zone = utcnow(), clinic_zone()
    found = expand(
        [series(clinic.group_series_id), series(clinic.individual_id)],
        now,
        now + timedelta(days=8),
        zone,
    )
    return found[0]


# Each change is made in the other process, as the care team or the client would make it.
def cancel(clinic):
    cancel_occurrence(todays_or_next(clinic), person(clinic.staff.id), now=utcnow())


def move(clinic):
    o = coming_group_session(clinic)
    move_occurrence(
        o,
        o.start + timedelta(hours=1),
        o.end + timedelta(hours=1),
        person(clinic.staff.id),
        now=utcnow(),
    )


def change_the_series(clinic):
    series(clinic.group_series_id).place = "200 New Street"
    db.session.commit()


def tell_them_i_cant_come(clinic):
    send_notice(
        person(clinic.member.id), coming_group_session(clinic), "cant_make_it", "", now=utcnow()
    )
    db.session.commit()


def take_attendance(clinic):
    o = coming_group_session(clinic)
    record_attendance(o, {clinic.member.id: "attended"}, person(clinic.staff.id), now=o.end)
    db.session.commit()


def add_a_contact(clinic):
    add_contact(person(clinic.member.id), "Robin", "sponsor", "555-0100")


def check_in(clinic):
    now = utcnow()
    save_checkin(person(clinic.member.id), now.astimezone(clinic_zone()).date(), ANSWERS, now)


def add_a_meeting(clinic):
    add_personal_meeting(person(clinic.member.id), "Home group", 3, time(18), time(19))


def discharge_today(clinic):
    now = utcnow()
    day = now.astimezone(clinic_zone()).date()
    discharge(person(clinic.member.id), day, "completed", by=person(clinic.staff.id), now=now)
    db.session.commit()


def change_the_language(clinic):
    person(clinic.member.id).locale = "es"
    db.session.commit()


CHANGES = [
    cancel,
    move,
    change_the_series,
    tell_them_i_cant_come,
    take_attendance,
    add_a_contact,
    check_in,
    add_a_meeting,
    discharge_today,
    change_the_language,
]


@pytest.mark.parametrize("path", ["/today", "/calendar", "/calendar?view=month"])
@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_a_page_kept_in_one_process_follows_a_change_made_in_another(
    app, two_processes, change, path
):
    clinic = build_clinic(app)
    kept = app.test_client()
    sign_in(kept, clinic.member.email)
    before = page(kept, path)
    assert page(kept, path) == before  # kept now
    with two_processes.app_context():
        change(clinic)
    after = page(kept, path)
    # A process that has kept nothing, on the same browser session.
    fresh_app = create_app({**app.config, "TESTING": True})
    fresh = fresh_app.test_client()
    fresh.set_cookie("portal_session", kept.get_cookie("portal_session").value)
    assert after == page(fresh, path)
    with fresh_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (cancel, "next-session"),
        (add_a_contact, None),
        (check_in, "You checked in today"),
        (change_the_language, "Hola"),
    ],
)
def test_what_changed_shows_on_the_kept_page(app, two_processes, change, shows):
    clinic = build_clinic(app)
    kept = app.test_client()
    sign_in(kept, clinic.member.email)
    before = page(kept)
    with two_processes.app_context():
        change(clinic)
    after = page(kept)
    assert after != before
    if shows == "next-session":  # the next session is another one now
        section = re.compile(r'class="card next-session".*?</section>', re.S)
        assert section.search(before).group() != section.search(after).group()
    elif shows:
        assert shows in after and shows not in before
    else:
        assert "Who can you call?" in before and "Who can you call?" not in after


def test_a_bulk_delete_in_another_process_reaches_the_kept_page(app, two_processes):
    """Retention and imports change rows with one statement, naming no row to the flush."""
    clinic = build_clinic(app)
    with app.app_context():
        add_a_contact(clinic)
    kept = app.test_client()
    sign_in(kept, clinic.member.email)
    assert "555-0100" in page(kept) and "555-0100" in page(kept)
    with two_processes.app_context():
        db.session.execute(
            delete(SupportContact).where(SupportContact.client_id == clinic.member.id)
        )
        db.session.commit()
    assert "555-0100" not in page(kept)


def test_today_and_the_calendar_come_from_the_cache(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    page(client)
    assert statements(app, client) == 2  # the session (with the shared version), homework
    page(client, "/calendar")
    assert statements(app, client, "/calendar") == 1


def test_the_client_sees_their_own_change_at_once(app):
    """A POST changes the data; the page after it is never the one kept from before."""
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    assert "Who can you call?" in page(client)
    with app.app_context():
        add_a_contact(clinic)
    assert "Who can you call?" not in page(client)


def test_a_bulk_insert_on_a_shared_table_changes_the_shared_version(app):
    build_clinic(app)
    with app.app_context():
        from portal.data_versions import DataVersion

        before = db.session.scalar(select(DataVersion.version))
        db.session.execute(
            insert(SessionSeries),
            [
                dict(
                    kind="group",
                    timezone="UTC",
                    start_date=utcnow().date(),
                    start_time=time(9),
                    duration_minutes=60,
                )
            ],
        )
        db.session.commit()
        assert db.session.scalar(select(DataVersion.version)) not in (None, before)
        assert db.session.scalar(select(User.data_version).limit(1)) is not None


def test_the_cache_can_be_turned_off(app):
    app.config["PAGE_CACHE_ENTRIES"] = 0
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    page(client)
    assert statements(app, client) > 4
    assert "client_cache" not in app.extensions
