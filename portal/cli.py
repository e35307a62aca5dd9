"""Command-line tools: `flask --app portal create-admin`, `seed-demo`, `purge-sessions`; each
feature adds its own (meetings: `import-meetings`, `refresh-meetings`)."""

import click
from flask import Flask

from .accounts.registration import create_account, email_taken
from .accounts.sessions import purge_expired
from .accounts.setup_links import issue_setup_link, setup_url
from .demo import DEMO_PASSWORD, NotADemoDatabase, seed_demo
from .meetings.cli import register_commands as register_meeting_commands
from .timeutil import utcnow


def register_commands(app: Flask) -> None:
    register_meeting_commands(app)

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administrator", help="The person's name.")
    def create_admin(email, name):
        """Create the first care-team administrator and print their one-time setup link."""
        if email_taken(email):
            raise click.ClickException(f"An account with the email {email} already exists.")
        user = create_account(email, name, "staff", is_admin=True)
        link = setup_url(issue_setup_link(user, utcnow()))
        click.echo(f"Created administrator {user.email}.")
        click.echo(
            f"Open this link within {app.config['SETUP_LINK_HOURS']} hours to choose a "
            f"password (it works once):\n{link}"
        )

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo clinic (safe to run again; refuses a database with real accounts)."""
        try:
            people = seed_demo(utcnow())
        except NotADemoDatabase as e:
            raise click.ClickException(str(e)) from e
        click.echo(f"Demo clinic ready. Sign in with any of these (password {DEMO_PASSWORD}):")
        for email, user in people.items():
            click.echo(f"  {email:24} {user.role}")

    @app.cli.command("erase-closed-accounts")
    @click.option("--dry-run", is_flag=True, help="Only list the accounts that are due.")
    def erase_closed_accounts(dry_run):
        """Delete the personal data of accounts closed longer than RETENTION_DAYS (the audit
        log and the consents are kept)."""
        from .retention import due_for_erasure, erase

        now = utcnow()
        due = due_for_erasure(now)
        for user in due:
            if dry_run:
                click.echo(f"due: account {user.id} (closed, past the retention period)")
                continue
            deleted = erase(user, now=now)
            rows = ", ".join(f"{table} {n}" for table, n in sorted(deleted.items())) or "no rows"
            click.echo(f"erased account {user.id}: {rows}")
        click.echo(f"{len(due)} account(s) {'due' if dry_run else 'erased'}.")

    @app.cli.command("purge-sessions")
    def purge_sessions():
        """Delete sessions past their end (the worker also does this)."""
        click.echo(f"Deleted {purge_expired()} expired sessions.")
