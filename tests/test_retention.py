"""A closed account's personal data is deleted once the retention period has passed; the audit
log and the consents stay, and nobody else's data moves."""

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.program import stage
from portal.audit.models import AuditEvent
from portal.care_team.discharge import discharge
from portal.consent.models import ConsentGrant
from portal.extensions import db
from portal.my_data.rules import export
from portal.retention import due_for_erasure, erase
from tests.test_my_data import NOW, clinic  # noqa: F401 (every kind of record, planted)

KEPT_SECTIONS = {"profile", "consents", "disclosures", "record_views"}


def by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def closed_and_past_retention(app, client_id):
    """Discharge the client, and return an instant past aftercare and the retention period."""
    with app.app_context():
        client, staff = db.session.get(User, client_id), by_email("counselor@example.org")
        discharge(client, date(2026, 11, 24), "completed", by=staff, now=NOW)
        closes = stage(client, now=NOW).closes_at
        return closes, closes + timedelta(days=app.config["RETENTION_DAYS"])


def test_nothing_is_due_before_the_retention_period_ends(app, clinic):  # noqa: F811
    closes, due = closed_and_past_retention(app, clinic)
    with app.app_context():
        assert due_for_erasure(closes + timedelta(days=1)) == []
        assert due_for_erasure(due - timedelta(seconds=1)) == []
        assert [u.id for u in due_for_erasure(due)] == [clinic]


def test_erasing_deletes_every_kind_of_record_but_the_kept_ones(app, clinic):  # noqa: F811
    _closes, due = closed_and_past_retention(app, clinic)
    with app.app_context():
        other = by_email("client2@example.org")
        others_before = json.dumps(export(other, now=NOW)["sections"])
        consents_before = db.session.scalar(select(func.count()).select_from(ConsentGrant))
        audit_before = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.client_id == clinic)
        )
        deleted = erase(db.session.get(User, clinic), now=due)
        assert deleted["checkins"] > 0 and deleted["homework_answers"] > 0
        after = export(db.session.get(User, clinic), now=due)["sections"]
        left = {key for key, rows in after.items() if rows and key not in KEPT_SECTIONS}
        sign_in = after["sign_in"][0]
        assert left == {"sign_in"} and sign_in["signed_in_sessions"] == sign_in["passkeys"] == []
        (profile,) = after["profile"]
        assert profile["name"] == "Former client" and profile["email"].endswith("@invalid")
        assert "client@example.org" not in json.dumps(after["profile"])
        assert db.session.scalar(select(func.count()).select_from(ConsentGrant)) == consents_before
        audit_after = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.client_id == clinic)
        )
        assert audit_after == audit_before
        assert json.dumps(export(other, now=NOW)["sections"]) == others_before
        assert due_for_erasure(due + timedelta(days=1)) == []  # done once


def test_the_command_lists_then_erases(app, clinic):  # noqa: F811
    _closes, due = closed_and_past_retention(app, clinic)
    import time_machine

    runner = app.test_cli_runner()
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        listed = runner.invoke(args=["erase-closed-accounts", "--dry-run"])
        assert f"due: account {clinic}" in listed.output and "1 account(s) due." in listed.output
        with app.app_context():
            assert by_email("client@example.org") is not None
        erased = runner.invoke(args=["erase-closed-accounts"])
        assert f"erased account {clinic}: " in erased.output and "checkins" in erased.output
        again = runner.invoke(args=["erase-closed-accounts"])
        assert "0 account(s) erased." in again.output
    with app.app_context():
        assert by_email("client@example.org") is None
