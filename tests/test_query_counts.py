"""Pages run a number of SQL queries that does not grow with the length of a client's history."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.schedule.models import AbsenceNotice
from portal.schedule.occurrences import expand
from portal.schedule.rules import cancel_occurrence, record_attendance
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import sign_in
from tests.test_schedule import build_clinic, person, series

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

PAGES = ["/today", "/calendar", "/calendar?view=week", "/calendar?view=month", "/progress"]


@contextmanager
def counting(app):
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def with_history(app, days: int):
    with app.app_context():
        start = utcnow().astimezone(clinic_zone()).date() - timedelta(days=days)
    clinic = build_clinic(app, start=start)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        staff = person(clinic.staff.id)
        items = expand(
            [series(clinic.group_series_id), series(clinic.individual_id)],
            now - timedelta(days=days),
            now,
            zone,
        )
        for i, o in enumerate(o for o in items if o.end <= now):
            record_attendance(
                o, {clinic.member.id: "attended" if i % 9 else "excused"}, staff, now=o.end
            )
            if i % 20 == 0:
                db.session.add(
                    AbsenceNotice(
                        person_id=clinic.member.id,
                        series_id=o.series.id,
                        occurrence_start=o.original_start,
                        kind="cant_make_it",
                    )
                )
            if i % 40 == 0:
                cancel_occurrence(o, staff, now=o.start)
        db.session.commit()
        return clinic, len(items)


def queries_per_page(app, clinic) -> dict[str, int]:
    client = app.test_client()
    sign_in(client, clinic.member.email)
    counts = {}
    for page in PAGES:
        client.get(page)  # warm: the session row's touch is not part of the page
        with counting(app) as statements:
            assert client.get(page).status_code == 200
        counts[page] = len(statements)
    return counts


def counselors_home_queries(app, clinic) -> dict[str, int]:
    """The counselor's home made afresh (the kept page left out), and then kept."""
    client = app.test_client()
    sign_in(client, clinic.staff.email)
    counts = {}
    for kept_mb, name in ((0, "/care/ made"), (32, "/care/ kept")):
        app.config["RENDERED_PAGE_CACHE_MB"] = kept_mb
        client.get("/care/")
        client.get("/care/")
        with counting(app) as statements:
            assert client.get("/care/").status_code == 200
        counts[name] = len(statements)
    return counts


def test_queries_do_not_grow_with_history(app):
    short, short_count = with_history(app, 7)
    long, long_count = with_history(app, 730)
    assert long_count > 400 and short_count < 10
    short_queries = queries_per_page(app, short) | counselors_home_queries(app, short)
    long_queries = queries_per_page(app, long) | counselors_home_queries(app, long)
    assert short_queries == long_queries
    assert max(long_queries.values()) <= 7, long_queries
    # Issue 20: Today in at most 4 (2 once the page cache holds the client's day: the session
    # with the shared data version, and homework; portal/client_cache.py).
    assert long_queries["/today"] <= 4, long_queries
    # Kept pages (portal/page_cache.py): the session, with the clinic's version for this one.
    assert long_queries["/care/ kept"] == 1, long_queries


def test_today_and_my_meetings_do_not_grow_with_saved_meetings(app):
    """Each saved meeting's name came with a query of its own (it was read one by one)."""
    from portal.accounts.models import User
    from portal.meetings.mine import save_meeting
    from portal.meetings.models import Meeting
    from tests.conftest import make_user
    from tests.meeting_feeds import import_entries, meeting

    with app.app_context():
        import_entries([meeting(f"m{n}", name=f"Meeting {n}", day=n % 7) for n in range(6)])
    one, five = make_user(app, "client"), make_user(app, "client")
    with app.app_context():
        meetings = list(db.session.scalars(select(Meeting).order_by(Meeting.id)))
        save_meeting(db.session.get(User, one.id), meetings[0], 0)
        for m in meetings[:5]:
            save_meeting(db.session.get(User, five.id), m, 0)

    def count(email: str, page: str) -> int:
        client = app.test_client()
        sign_in(client, email)
        client.get(page)
        with counting(app) as statements:
            assert client.get(page).status_code == 200
        return len(statements)

    for page in ("/today", "/meetings/mine"):
        assert count(one.email, page) == count(five.email, page), page
    assert count(one.email, "/today") <= 4
