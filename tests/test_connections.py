"""A connection the database server ended is replaced at checkout (portal/connections.py), with
no ping: a restart or a failover of PostgreSQL costs no one a failed page."""

import time

import psycopg
import pytest

from portal import create_app
from portal.connections import closed_by_server
from portal.extensions import db
from tests.conftest import make_user, own_postgres_database, sign_in

NAME = "portal-test-connections"


def end_every_pooled_connection(app) -> int:
    """End the app's idle connections from outside, as a restart or an admin would, and wait
    until their processes have exited (the timeout argument, PostgreSQL 14 and later): the
    signal alone ends them a moment later, and a request in that moment meets a connection
    still open that then fails, as it would under a ping too."""
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql")
        name = db.engine.url.database
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'idle' "
            "AND application_name = %s",
            (name, NAME),
        ).fetchone()[0]


@pytest.fixture
def named_app():
    """An app on a PostgreSQL database of this test's own, whose connections carry a name, so
    only they are ended."""
    with own_postgres_database(
        "test_connections",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"application_name": NAME}},
        RATELIMIT_STORAGE_URI="memory://",
    ) as (app, _url):
        yield app


def test_pages_go_on_after_the_server_ends_every_connection(named_app):
    app = named_app
    person = make_user(app, "client")
    browser = app.test_client()
    sign_in(browser, person.email)
    assert browser.get("/today").status_code == 200
    assert end_every_pooled_connection(app) >= 1
    for _ in range(3):
        assert browser.get("/today").status_code == 200
        assert browser.get("/healthz").status_code == 200


def test_an_idle_connection_the_server_ended_is_told_from_a_live_one(named_app):
    with named_app.app_context():
        connection = db.engine.raw_connection()
        try:
            live = connection.dbapi_connection
            assert not closed_by_server(live)
            connection.cursor().execute("SELECT 1")
            live.rollback()
            assert not closed_by_server(live)
            end_every_pooled_connection(named_app)
            for _ in range(200):  # the goodbye arrives within moments
                if closed_by_server(live):
                    break
                time.sleep(0.01)
            assert closed_by_server(live)
        finally:
            connection.invalidate()
            connection.close()


def test_sqlite_connections_are_never_taken_for_closed(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    )
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            assert not closed_by_server(connection.dbapi_connection)
        finally:
            connection.close()
