"""Migrations build the same schema as the models, on SQLite and PostgreSQL, and undo cleanly."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import create_engine, inspect

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_DATABASE_URL, postgres_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path):
    """Give each migration test an empty database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL")
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin_url = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_url().rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def flask_command(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "migration-test"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_db_upgrade_builds_exactly_the_models_schema_and_downgrades(fresh_database_url):
    result = flask_command(fresh_database_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url, "SECRET_KEY": "t"})
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_seed_demo_runs_on_a_migrated_database(fresh_database_url):
    assert flask_command(fresh_database_url, "db", "upgrade").returncode == 0
    result = flask_command(fresh_database_url, "seed-demo")
    assert result.returncode == 0, result.stderr
    assert "client@example.org" in result.stdout
    engine = create_engine(fresh_database_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() == 4
    engine.dispose()


def test_feed_addresses_in_use_keep_working_when_tokens_become_hashes(fresh_database_url):
    """A phone subscribed before the upgrade keeps its calendar; the token itself is gone."""
    assert flask_command(fresh_database_url, "db", "upgrade", "f06ff08ffff4").returncode == 0
    engine = create_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (id, email, name, role, is_admin, active, created_at)"
            " VALUES (1, 'c@example.test', 'C', 'client', false, true, '2026-11-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO calendar_feeds (user_id, token, full_titles, created_at)"
            " VALUES (1, 'an-address-already-in-a-phone', false, '2026-11-01 00:00:00')"
        )
    engine.dispose()
    result = flask_command(fresh_database_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url, "SECRET_KEY": "t"})
    with app.app_context():
        from portal.schedule.rules import feed_by_token, feed_token

        feed = feed_by_token("an-address-already-in-a-phone")
        assert feed is not None and feed.user_id == 1
        assert feed_token(feed) is None  # it cannot be shown again, only replaced
        with db.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT * FROM calendar_feeds").mappings().one()
        assert "an-address-already-in-a-phone" not in [str(v) for v in stored.values()]
        db.engine.dispose()


def test_keys_sent_before_the_one_protocol_still_replay_after_the_upgrade(fresh_database_url):
    """A phone's outbox may resend a check-in or a draft saved before the upgrade: it gets the
    first answer, not a second save. A check-in claim left "in flight" is dropped."""
    assert flask_command(fresh_database_url, "db", "upgrade", "865687ecd2a5").returncode == 0
    engine = create_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (id, email, name, role, is_admin, active, created_at)"
            " VALUES (1, 'c@example.test', 'C', 'client', false, true, '2026-11-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO checkins (id, client_id, day, mood, craving, used, used_what, sleep,"
            " triggers, coping, confidence, self_harm, note, created_at, updated_at,"
            " flag_reasons, review_action, review_note)"
            " VALUES (7, 1, '2026-11-01', 3, 2, false, '', 'well', '[]', '[]', 7, false, '',"
            " '2026-11-01 00:00:00', '2026-11-01 00:00:00', '[]', '', '')"
        )
        conn.exec_driver_sql(
            "INSERT INTO checkin_submissions (key, client_id, body_hash, checkin_id, created_at)"
            " VALUES ('checkin-key-1', 1, 'hash-1', 7, '2026-11-01 00:00:00'),"
            " ('checkin-in-flight', 1, 'hash-2', NULL, '2026-11-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO homework_draft_saves"
            " (key, client_id, body_hash, answer_id, outcome, created_at)"
            " VALUES ('draft-key-1', 1, 'hash-3', NULL, 'closed', '2026-11-01 00:00:00')"
        )
    engine.dispose()
    result = flask_command(fresh_database_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url, "SECRET_KEY": "t"})
    with app.app_context():
        from portal.idempotency import Result, earlier

        assert earlier("checkin-key-1", "checkin", 1, "hash-1") == Result("saved", 7, True)
        assert earlier("checkin-key-1", "checkin", 1, "other") == Result("conflict")
        assert earlier("checkin-in-flight", "checkin", 1, "hash-2") is None
        assert earlier("draft-key-1", "homework-draft", 1, "hash-3") == Result(
            "closed", None, True
        )
        assert earlier("draft-key-1", "checkin", 1, "hash-3") == Result("conflict")
        db.engine.dispose()
    result = flask_command(fresh_database_url, "db", "downgrade", "865687ecd2a5")
    assert result.returncode == 0, result.stderr
    engine = create_engine(fresh_database_url)
    with engine.connect() as conn:
        checkin_keys = conn.exec_driver_sql("SELECT key, checkin_id FROM checkin_submissions")
        assert checkin_keys.all() == [("checkin-key-1", 7)]
        draft_keys = conn.exec_driver_sql("SELECT key, outcome FROM homework_draft_saves")
        assert draft_keys.all() == [("draft-key-1", "closed")]
    engine.dispose()
