"""The dispatcher as real processes: the command, a pass killed half-way, four workers at once
on one PostgreSQL database, and the worker stopping cleanly on SIGTERM."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.accounts.models import UserSession
from portal.extensions import db
from portal.notifications.dispatcher import run_pass
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow
from tests.conftest import make_user, own_postgres_database
from tests.push_helpers import add_device, at, make_clinic, outbox
from tests.push_service import HANG, FakePushService

ROOT = Path(__file__).resolve().parent.parent
FIVE_PM = "2026-11-23T17:00:00-05:00"


@pytest.fixture
def push(app):
    service = FakePushService().start()
    app.config.update(PUSH_INSECURE_HOSTS=["127.0.0.1"], PUSH_TIMEOUT_SECONDS=1)
    yield service
    service.stop()
    assert service.errors == []


def flask_env(database_url: str, tmp_path, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "PUSH_INSECURE_HOSTS": "127.0.0.1",
        **{k: str(v) for k, v in extra.items()},
    }


def flask(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def clinic_with_devices(app, push, clients: int, devices_each: int = 1):
    clinic = make_clinic(app, clients=clients)
    tokens = []
    for person in clinic.clients:
        for _ in range(devices_each):
            device = push.new_device()
            add_device(app, person.id, device)
            tokens.append(device.token)
    return clinic, tokens


def status_count(app, status: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
        )


def test_send_reminders_prints_what_it_sent(app, runner, push):
    clinic, _tokens = clinic_with_devices(app, push, clients=2)
    result = runner.invoke(args=["send-reminders", "--now", FIVE_PM])
    assert result.exit_code == 0, result.output
    sent = re.findall(r"sent #(\d+) session_lead to person (\d+)", result.output)
    assert sorted(int(p) for _, p in sent) == sorted(c.id for c in clinic.clients)
    assert "Pass as of 2026-11-23T22:00:00+00:00: queued 2, sent 2" in result.output
    again = runner.invoke(args=["send-reminders", "--now", FIVE_PM])
    assert "sent 0" in again.output
    assert runner.invoke(args=["send-reminders", "--now", "yesterday"]).exit_code != 0


def test_a_pass_killed_half_way_loses_nothing_and_sends_nothing_twice(
    app, push, database_url, tmp_path
):
    _clinic, tokens = clinic_with_devices(app, push, clients=24)
    # Ten go through; then the service stops answering and the process is killed mid-send.
    push.answer(*([201] * 10 + [HANG] * 4))
    process = flask(
        flask_env(database_url, tmp_path, PUSH_SEND_THREADS=4, PUSH_TIMEOUT_SECONDS=60),
        "send-reminders",
        "--now",
        FIVE_PM,
    )
    deadline = time.monotonic() + 60
    while status_count(app, "sent") < 10 or len(push.messages) < 14:
        assert time.monotonic() < deadline, process.communicate(timeout=5)
        time.sleep(0.05)
    process.kill()
    process.communicate(timeout=10)
    push.released.set()
    assert status_count(app, "sent") == 10
    assert status_count(app, "sending") == 14  # claimed, never answered: not lost, not sent
    # The next pass once the 90-second lease is over gives them back and sends them, while a
    # reminder for a session two minutes later is still worth sending.
    later = flask(
        flask_env(database_url, tmp_path), "send-reminders", "--now", "2026-11-23T17:02:00-05:00"
    )
    output, errors = later.communicate(timeout=120)
    assert later.returncode == 0, errors
    assert "reopened 14" in output and "sent 14" in output
    accepted = [m.token for m in push.accepted]
    assert sorted(accepted) == sorted(tokens)  # every device exactly once
    assert {r.status for r in outbox(app)} == {"sent"}


@pytest.fixture
def workers_database():
    """A PostgreSQL database of this test's own (test_push_*), dropped afterwards."""
    with own_postgres_database("test_push_workers", PUSH_INSECURE_HOSTS=["127.0.0.1"]) as made:
        yield made


def test_four_workers_on_one_postgresql_database_never_send_twice(workers_database, tmp_path):
    app, url = workers_database
    push = FakePushService(delay=0.01).start()
    try:
        _clinic, tokens = clinic_with_devices(app, push, clients=20, devices_each=10)
        env = flask_env(url, tmp_path, PUSH_CLAIM_BATCH=8, PUSH_SEND_THREADS=4)
        processes = [flask(env, "send-reminders", "--now", FIVE_PM) for _ in range(4)]
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        push.stop()
    assert push.errors == []
    for process, (_out, errors) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, errors
    sent_by = [re.findall(r"sent #(\d+)", out) for out, _ in outputs]
    all_sent = [row for rows in sent_by for row in rows]
    assert len(all_sent) == len(set(all_sent)) == 200
    assert sum(1 for rows in sent_by if rows) >= 2, "the workers did not overlap"
    assert sorted(m.token for m in push.accepted) == sorted(tokens)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 200


def test_the_worker_runs_passes_purges_sessions_and_stops_on_sigterm(app, database_url, tmp_path):
    person = make_user(app, "client")
    with app.app_context():
        db.session.add(
            UserSession(
                token_hash="x" * 64, user_id=person.id, expires_at=utcnow() - timedelta(hours=1)
            )
        )
        db.session.commit()
    process = flask(flask_env(database_url, tmp_path, WORKER_INTERVAL_SECONDS=1), "worker")
    assert "Worker started" in process.stdout.readline()
    deadline = time.monotonic() + 30
    while True:
        with app.app_context():
            if not db.session.scalar(select(func.count()).select_from(UserSession)):
                break
        assert time.monotonic() < deadline, "the worker did not purge the ended session"
        time.sleep(0.2)
    time.sleep(1.5)  # at least one more pass
    process.send_signal(signal.SIGTERM)
    output, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    assert "Deleted 1 expired sessions." in output and "Worker stopped." in output


def test_a_slow_pass_keeps_its_claims_with_a_heartbeat(app, push, database_url, tmp_path):
    """A pass still sending renews its lease, so another pass does not send its rows again."""
    _clinic, tokens = clinic_with_devices(app, push, clients=4)
    push.answer(*([HANG] * 4))
    slow = flask(
        flask_env(
            database_url,
            tmp_path,
            PUSH_SEND_THREADS=4,
            PUSH_TIMEOUT_SECONDS=30,
            PUSH_LEASE_SECONDS=3,
            PUSH_HEARTBEAT_SECONDS=0.5,
        ),
        "send-reminders",
        "--now",
        FIVE_PM,
    )
    deadline = time.monotonic() + 60
    while len(push.messages) < 4:
        assert time.monotonic() < deadline, slow.communicate(timeout=5)
        time.sleep(0.05)
    time.sleep(5)  # longer than the lease: only the heartbeat keeps the claims
    app.config.update(PUSH_LEASE_SECONDS=3)
    with app.app_context():
        report = run_pass(at("2026-11-23T17:00:06-05:00"))
    assert report.reopened == 0 and not report.sent
    push.released.set()
    slow.communicate(timeout=60)
    assert sorted(m.token for m in push.messages) == sorted(tokens)  # each device once
