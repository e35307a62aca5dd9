"""Whole pages kept per browser session (portal/page_cache.py): served again only while nothing
they were made from has changed, in any process, and never to another session.

Two apps on one database stand for two gunicorn processes, as in tests/test_client_cache.py.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from portal.accounts.models import User
from portal.checkins.models import CheckIn
from portal.checkins.rules import mark_reviewed
from portal.data_versions import clinic_version, clinic_version_column, watched_tables
from portal.extensions import db
from tests.conftest import make_user, post, sign_in
from tests.test_client_cache import CHANGES, page, statements, two_processes  # noqa: F401
from tests.test_safety_loop import flag
from tests.test_schedule import build_clinic, person

pytestmark = pytest.mark.usefixtures("clinic_clock")
PAGES = ["/today", "/calendar", "/calendar?view=week", "/calendar?view=month"]
TOKEN = re.compile(r'(?:name="csrf_token" type="hidden" value="|"X-CSRFToken": ")([^"]+)')


def kept_client(app, email):
    """A signed-in browser whose page has been kept: shown once to settle the session's form
    token, then once more to keep it."""
    browser = app.test_client()
    sign_in(browser, email)
    return browser


def warm(browser, path) -> str:
    browser.get(path)
    return page(browser, path)


@pytest.mark.parametrize("path", PAGES)
def test_a_kept_page_costs_one_statement_and_is_the_same_page(app, path):
    clinic = build_clinic(app)
    browser = kept_client(app, clinic.member.email)
    kept = warm(browser, path)
    assert statements(app, browser, path) == 1  # the session, with the shared version
    assert page(browser, path) == kept


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_a_change_in_another_process_is_on_the_next_page(app, two_processes, change):  # noqa: F811
    clinic = build_clinic(app)
    browser = kept_client(app, clinic.member.email)
    warm(browser, "/today")
    with two_processes.app_context():
        change(clinic)
    after = page(browser, "/today")
    app.extensions.pop("page_cache")
    app.extensions.pop("client_cache")
    assert after == page(browser, "/today")  # what a process that kept nothing shows


def test_a_page_is_never_shown_to_another_session_of_the_same_person(app):
    clinic = build_clinic(app)
    phone, laptop = (kept_client(app, clinic.member.email) for _ in range(2))
    warm(phone, "/today")
    warm(laptop, "/today")
    tokens = {TOKEN.search(b.get("/today").get_data(as_text=True))[1] for b in (phone, laptop)}
    assert len(tokens) == 2
    # Each session's own token still works for a post from the kept page.
    for browser in (phone, laptop):
        html = browser.get("/today").get_data(as_text=True)
        response = browser.post(
            "/logout", data={"csrf_token": TOKEN.search(html).group(1)}, follow_redirects=False
        )
        assert response.status_code == 302


def test_the_minute_turns_and_the_page_is_made_again(app, clinic_clock):
    clinic = build_clinic(app)
    browser = kept_client(app, clinic.member.email)
    warm(browser, "/today")
    assert statements(app, browser) == 1
    clinic_clock.advance(timedelta(minutes=1))
    assert statements(app, browser) > 1
    assert statements(app, browser) == 1


def test_a_waiting_message_is_shown_once_and_the_page_is_not_kept_with_it(app):
    clinic = build_clinic(app)
    browser = kept_client(app, clinic.member.email)
    warm(browser, "/today")
    with browser.session_transaction() as session:
        session["_flashes"] = [("success", "Saved.")]
    assert "Saved." in browser.get("/today").get_data(as_text=True)
    assert "Saved." not in browser.get("/today").get_data(as_text=True)


def test_the_fragment_and_the_page_are_kept_apart(app):
    staff = make_user(app, "staff")
    make_user(app, "client", name="Alex Morgan", counselor_id=staff.id)
    browser = kept_client(app, staff.email)
    fragment = {"HX-Request": "true", "HX-Target": "attention"}
    for _ in range(3):
        whole = browser.get("/care/").get_data(as_text=True)
        part = browser.get("/care/", headers=fragment).get_data(as_text=True)
    assert "<html" in whole and "<html" not in part


def flags_section(browser, headers=None) -> str:
    html = browser.get("/care/", headers=headers or {}).get_data(as_text=True)
    return html[html.index('id="flags-title"') : html.index('id="notices-title"')]


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "attention-poll"])
def test_a_flag_reaches_the_counselors_kept_home_at_once(app, two_processes, fragment):  # noqa: F811
    """The safety loop: a client in another process checks in with thoughts of self-harm; the
    counselor's home, kept in this process a moment before, shows it on the next look."""
    staff = make_user(app, "staff")
    alex = make_user(app, "client", name="Alex Morgan", counselor_id=staff.id)
    other = make_user(app, "client", name="Robin Other")  # not on this counselor's caseload
    browser = kept_client(app, staff.email)
    headers = {"HX-Request": "true", "HX-Target": "attention"} if fragment else None
    for _ in range(2):
        assert "Alex Morgan" not in flags_section(browser, headers)
    with app.app_context():
        now = db.session.get(User, alex.id).created_at
    flag(two_processes, alex.id, now, day=now.date(), self_harm=True)
    assert "Alex Morgan" in flags_section(browser, headers)
    flag(two_processes, other.id, now, day=now.date(), used=True)
    assert "Robin Other" in flags_section(browser, headers)
    with two_processes.app_context():
        for checkin in db.session.scalars(select(CheckIn).where(CheckIn.client_id == alex.id)):
            mark_reviewed(checkin, person(staff.id), "called_client", "", now=now)
        db.session.commit()
    assert "Alex Morgan" not in flags_section(browser, headers)


def test_the_counselors_home_costs_one_statement_when_kept(app):
    staff = make_user(app, "staff")
    make_user(app, "client", name="Alex Morgan", counselor_id=staff.id)
    browser = kept_client(app, staff.email)
    browser.get("/care/")
    browser.get("/care/")
    assert statements(app, browser, "/care/") == 1  # the session, with the clinic's version


def test_the_clinic_version_changes_with_any_account_and_does_not_overflow(app):
    """The sum of the halves of 62-bit versions: SQLite's integer sum stops at 2**63."""
    build_clinic(app)
    with app.app_context():
        db.session.execute(update(User).values(data_version=2**62 - 1))
        db.session.commit()
        for _ in range(3):
            make_user(app, "client")
        db.session.execute(update(User).values(data_version=2**62 - 1))
        db.session.commit()
        before = clinic_version()
        someone = db.session.scalars(select(User).limit(1)).one()
        someone.name = "A new name"
        db.session.commit()
        after = clinic_version()
        # The session's query reads the same value as a column of its own.
        assert db.session.scalar(select(clinic_version_column())) == after
    assert before != after


@pytest.mark.parametrize("path", [*PAGES, "/care/"])
def test_every_table_a_kept_page_reads_is_watched(app, path):
    """A table a kept page (or the page cache under it) reads that no change is declared for
    would go stale unseen: every table a cold process reads for the page must be versioned."""
    clinic = build_clinic(app)
    with app.app_context():
        now = db.session.get(User, clinic.member.id).created_at
    flag(app, clinic.member.id, now, day=now.date(), used=True)
    browser = app.test_client()
    sign_in(browser, (clinic.staff if path == "/care/" else clinic.member).email)
    with app.app_context():
        engine = db.engine
    tables = set()

    def collect(conn, cursor, statement, *args):
        tables.update(re.findall(r"(?:FROM|JOIN)\s+\"?(\w+)", statement))

    event.listen(engine, "before_cursor_execute", collect)
    try:
        app.extensions.pop("client_cache", None)  # a cold process reads everything
        app.extensions.pop("page_cache", None)
        assert browser.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", collect)
    assert tables - {"user_sessions", "data_versions"} - watched_tables() == set()


def test_a_post_is_never_answered_from_the_cache(app):
    clinic = build_clinic(app)
    browser = kept_client(app, clinic.member.email)
    warm(browser, "/today")
    response = post(browser, "/checkin", {"mood": "nonsense"})
    assert response.status_code == 422


def test_kept_pages_can_be_turned_off(app):
    app.config["RENDERED_PAGE_CACHE_MB"] = 0
    clinic = build_clinic(app)
    browser = kept_client(app, clinic.member.email)
    warm(browser, "/today")
    assert statements(app, browser) > 1
    assert "page_cache" not in app.extensions
