"""Fixtures: the app on a real database (SQLite always, PostgreSQL too), the HTTP client, sign-in.

Every test that uses `app` runs once on SQLite and once on PostgreSQL. PostgreSQL needs
TEST_DATABASE_URL; without it those runs skip with the reason, except in CI, where they fail.
"""

import contextlib
import os
import re
import runpy
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from sqlalchemy import MetaData, func, select, text

from portal import create_app
from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from tests import two_factor


def _run_at_a_fixed_point_in_the_clinic_week() -> None:
    """Move every process of the run to the coming Tuesday, 10:00 in New York, unless TEST_NOW says.

    The demo clinic is seeded around "now", so what a browser test finds on Today depends on
    the point in the week: on a Thursday night the next session is Sunday's video call, at
    Tuesday 10:00 it is the evening's in-person one. Pinning the weekday and the hour makes every
    run see the same week. The date still moves, forward only, so cookies the browser keeps by
    its real clock never expire early; pages in Chromium get the same time (browser/conftest).
    Date rules at fixed dates (DST, New Year) are CLINIC_INSTANTS' job.
    """
    if os.environ.get("TEST_NOW"):
        return  # bin/test's sitecustomize moved this process already; workers inherit it
    clinic = ZoneInfo("America/New_York")
    today = datetime.now(clinic).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    instant = datetime(tuesday.year, tuesday.month, tuesday.day, 10, tzinfo=clinic)
    os.environ["TEST_NOW"] = instant.isoformat()
    os.environ["TEST_CLOCK_STARTED"] = repr(time.time())
    clock_folder = os.path.join(os.path.dirname(__file__), "clock")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [clock_folder, os.environ.get("PYTHONPATH")])
    )
    runpy.run_path(os.path.join(clock_folder, "sitecustomize.py"))


_run_at_a_fixed_point_in_the_clinic_week()

PASSWORD = "correct horse battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
_schemas_ready: set[str] = set()
# Argon2 is slow on purpose; hashing the shared test password once keeps the suite quick.
_PASSWORD_HASH = hash_password(PASSWORD)


def pytest_configure(config):
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError(
            "CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI."
        )


def postgres_url() -> str:
    """Return the PostgreSQL URL with the psycopg 3 driver named."""
    url = TEST_DATABASE_URL
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _worker_database(url: str) -> str:
    """Give each pytest-xdist worker a database of its own (made on first use)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{own}"')
    return f"{base}/{own}"


@contextlib.contextmanager
def own_postgres_database(prefix: str, **config):
    """Yield (app, url): an app on a PostgreSQL database made for one test, dropped afterwards
    (for tests that start other processes on it, or end its connections)."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin_url = postgres_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{postgres_url().rsplit('/', 1)[0]}/{name}"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url, **config}
    )
    with app.app_context():
        db.create_all()
    try:
        yield app, url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """Name the database a test runs on; each test runs on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    if not TEST_DATABASE_URL:
        pytest.skip(
            "PostgreSQL run skipped: set TEST_DATABASE_URL, e.g. "
            "postgresql://postgres@127.0.0.1:5432/test"
        )
    return _worker_database(postgres_url())


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url, tmp_path):
    """Create the app on a database that is empty at the start of every test."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_URL": "https://portal.example.org",
        }
    )
    with app.app_context():
        if database_url not in _schemas_ready:
            # Reflect what is there, not only today's models: a table an earlier schema had
            # (left by an older run in a reused database) may still hold keys to today's.
            old = MetaData()
            old.reflect(db.engine)
            old.drop_all(db.engine)
            db.drop_all()
            db.create_all()
            _schemas_ready.add(database_url)
        _empty_all_tables()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/help") -> str:
    """Read the CSRF token that every page carries for htmx."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser would: with the page's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


def make_user(
    app,
    role: str = "client",
    email: str | None = None,
    *,
    name: str = "Test Person",
    password: str | None = PASSWORD,
    admin: bool = False,
    counselor_id=None,
):
    """Create an account straight in the database and return a plain snapshot of it."""
    with app.app_context():
        count = db.session.query(User).count()
        user = User(
            email=email or f"{role}{count + 1}@example.test",
            name=name,
            role=role,
            is_admin=admin,
            password_hash=_hash_of(password),
            counselor_id=counselor_id,
        )
        db.session.add(user)
        db.session.commit()
        return SimpleNamespace(id=user.id, email=user.email, role=role, name=name)


def _hash_of(password: str | None) -> str | None:
    if password is None:
        return None
    return _PASSWORD_HASH if password == PASSWORD else hash_password(password)


def sign_in(client, email: str, password: str = PASSWORD, keep: bool = False, next_url=None):
    """Sign in through the real pages; the care team also sets up or answers the second step.

    Returns the response that ends the sign-in: a redirect home (or to `next`) on success."""
    data = {"email": email, "password": password}
    if keep:
        data["keep_signed_in"] = "y"
    url = "/login" if next_url is None else f"/login?next={next_url}"
    response = post(client, url, data, follow_redirects=False)
    if response.status_code != 302:
        return response
    email = email.strip().lower()
    if response.headers["Location"].endswith("/login/verify"):
        return two_factor.answer(client, email, post)
    with client.application.app_context():
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        must_enrol = user.is_staff and not user.has_second_factor
    if must_enrol:
        two_factor.enrol(client, email, post)
    return response


@pytest.fixture
def login_as(app, client):
    """Create a person of a role and sign the test client in as them."""

    def login(role: str, **kwargs):
        user = make_user(app, "staff" if role == "admin" else role, admin=role == "admin", **kwargs)
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


# The instants date rules are tested at, in the clinic's zone (America/New_York): each weekday,
# the two daylight-saving changes, New Year's Eve turning into the new year, and a month end.
_NEW_YORK = ZoneInfo("America/New_York")
CLINIC_INSTANTS = {
    "monday": datetime(2026, 11, 23, 9, 30, tzinfo=_NEW_YORK),
    "tuesday": datetime(2026, 11, 24, 13, 0, tzinfo=_NEW_YORK),
    "wednesday": datetime(2026, 11, 25, 17, 45, tzinfo=_NEW_YORK),
    "thursday": datetime(2026, 11, 26, 20, 30, tzinfo=_NEW_YORK),
    "friday": datetime(2026, 11, 27, 8, 0, tzinfo=_NEW_YORK),
    "saturday": datetime(2026, 11, 28, 23, 30, tzinfo=_NEW_YORK),
    "sunday": datetime(2026, 11, 29, 0, 30, tzinfo=_NEW_YORK),
    "spring-forward": datetime(2027, 3, 14, 1, 30, tzinfo=_NEW_YORK),  # 2:00 does not exist
    "fall-back": datetime(2026, 11, 1, 1, 30, tzinfo=_NEW_YORK, fold=0),  # 1:30 happens twice
    "new-year": datetime(2026, 12, 31, 23, 30, tzinfo=_NEW_YORK),
    "month-end": datetime(2027, 2, 28, 22, 0, tzinfo=_NEW_YORK),
}


def _instant_for(nodeid: str) -> str:
    """Pick one of the instants for a test, the same on every run and on both databases."""
    name = re.sub(r"\[.*\]$", "", nodeid)
    return sorted(CLINIC_INSTANTS)[zlib.crc32(name.encode()) % len(CLINIC_INSTANTS)]


class Clock:
    """The test's clock: frozen at an instant; `move_to` and `advance` change it."""

    def __init__(self, instant: datetime):
        # In UTC: a ZoneInfo destination would also change the process's local zone.
        self.traveller = time_machine.travel(instant.astimezone(UTC), tick=False)
        self.shift = self.traveller.start()
        self.instant = instant

    def now(self) -> datetime:
        return datetime.now(UTC)

    def move_to(self, instant: datetime) -> None:
        self.shift.move_to(instant)

    def advance(self, delta: timedelta) -> None:
        self.shift.shift(delta)

    def stop(self) -> None:
        self.traveller.stop()


@pytest.fixture
def clinic_clock(request):
    """Freeze every clock the app reads (time-machine) at a fixed instant for this test.

    A test parametrized with `clinic_clock` (indirect) names its instant; otherwise each test
    gets one of CLINIC_INSTANTS by its name, so a module that uses this fixture runs its tests
    across weekdays, daylight-saving changes and New Year, and fails the same way every day.
    """
    name = getattr(request, "param", None) or _instant_for(request.node.nodeid)
    clock = Clock(CLINIC_INSTANTS[name])
    yield clock
    clock.stop()


every_clinic_instant = pytest.mark.parametrize(
    "clinic_clock", sorted(CLINIC_INSTANTS), indirect=True
)
