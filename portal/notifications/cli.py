"""Commands: `send-reminders`, `worker` and `vapid-keys`."""

from datetime import UTC, datetime

import click
from flask import current_app
from sqlalchemy import select

from ..addresses import is_production
from ..extensions import db
from ..timeutil import clinic_zone, utcnow
from .dispatcher import run_pass
from .models import OutboxMessage
from .vapid import generate_pair, subject_problem
from .worker import run_worker, stop_on_signals


def parse_now(value: str | None) -> datetime:
    """Read --now as ISO 8601; a time without an offset is the clinic's local time."""
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"not an ISO 8601 time: {value}") from e
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clinic_zone())
    return moment.astimezone(UTC)


def check_subject() -> None:
    """Refuse to send from a production deployment whose VAPID subject push services refuse."""
    subject = current_app.config["VAPID_SUBJECT"]
    problem = subject_problem(subject)
    if problem is None:
        return
    if is_production():
        raise click.ClickException(
            f"VAPID_SUBJECT {subject!r} would be refused by push services ({problem}). "
            "Set VAPID_SUBJECT=mailto:you@your-clinic.org (or an https:// address of yours) "
            "in the worker's environment and start it again."
        )
    click.echo(
        f"Note: VAPID_SUBJECT {subject!r} is fine for development only ({problem}).", err=True
    )


def register(bp) -> None:
    """Add the commands to the blueprint's (top-level) command group."""

    @bp.cli.command("send-reminders")
    @click.option("--now", "now_text", help="Act as of this time, e.g. 2026-11-23T17:00:00-05:00.")
    def send_reminders(now_text):
        """Run one dispatch pass and print what it sent."""
        now = parse_now(now_text)
        check_subject()
        report = run_pass(now)
        rows = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.user_id).where(
                OutboxMessage.id.in_(report.sent)
            )
        ).all()
        for row_id, kind, user_id in sorted(rows):
            click.echo(f"sent #{row_id} {kind} to person {user_id}")
        summary = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        click.echo(f"Pass as of {now.isoformat()}: {summary}.")

    @bp.cli.command("worker")
    def worker():
        """Run dispatch passes every WORKER_INTERVAL_SECONDS until stopped (SIGTERM, Ctrl-C)."""
        interval = current_app.config["WORKER_INTERVAL_SECONDS"]
        check_subject()
        click.echo(f"Worker started: a pass every {interval} s. Stop with SIGTERM or Ctrl-C.")
        run_worker(current_app._get_current_object(), interval, stop_on_signals(), click.echo)
        click.echo("Worker stopped.")

    @bp.cli.command("vapid-keys")
    def vapid_keys():
        """Print a new VAPID key pair for VAPID_PRIVATE_KEY (keep it secret) and the browser."""
        private, public = generate_pair()
        click.echo(f"VAPID_PRIVATE_KEY={private}")
        click.echo(f"# applicationServerKey (public, derived from the private key): {public}")
