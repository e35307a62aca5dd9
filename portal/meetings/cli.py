"""`flask --app portal import-meetings SOURCE` and `refresh-meetings`."""

import sys
from collections import Counter
from pathlib import Path

import click
from flask import Flask

from ..timeutil import utcnow
from .importer import (
    FeedError,
    import_source,
    is_url,
    load_feed,
    read_source,
    refresh_due_sources,
    source_for,
)


def _echo_summary(summary) -> None:
    click.echo(
        f"Added {summary.added}, updated {summary.updated}, removed {summary.removed}, "
        f"skipped {len(summary.skipped)} ({summary.unchanged} unchanged)."
    )
    for which, reason in summary.skipped:
        click.echo(f"  skipped {which}: {reason}")


def _nothing_imported(count: int, summary) -> str:
    reasons = Counter(reason.split(":")[0] for _, reason in summary.skipped)
    common = "; ".join(f"{n} × {reason}" for reason, n in reasons.most_common(3))
    why = common or "the feed is empty"
    return f"No meeting imported: all {count} entries were skipped ({why})."


def register_commands(app: Flask) -> None:
    @app.cli.command("import-meetings")
    @click.argument("source")
    @click.option("--name", help="What to call this feed (default: its host or file name).")
    @click.option(
        "--refresh-hours",
        type=click.IntRange(0, 24 * 365),
        help="Refresh it every this many hours from the worker (default 24; 0: only by hand).",
    )
    @click.option(
        "--timezone",
        metavar="AREA/CITY",
        help="The zone of meetings that name none, e.g. America/Los_Angeles (default: the "
        "source's, else the clinic's).",
    )
    def import_meetings(source, name, refresh_hours, timezone):
        """Import a Meeting Guide JSON feed from a file path or an http(s) URL."""
        # A file is remembered by its full path, so the worker finds it from any directory.
        location = source if is_url(source) else str(Path(source).resolve())
        try:
            entries = load_feed(read_source(location))
            feed = source_for(location, name, refresh_hours, timezone)
            if sys.stdout.isatty():
                with click.progressbar(length=len(entries), label="Importing meetings") as bar:
                    summary = import_source(feed, utcnow(), entries, progress=bar.update)
            else:
                summary = import_source(feed, utcnow(), entries)
        except FeedError as e:
            raise click.ClickException(str(e)) from None
        zone = feed.timezone or "the clinic's zone"
        click.echo(f"Imported {feed.name} (meetings with no zone of their own: {zone}).")
        _echo_summary(summary)
        if not summary.added + summary.updated + summary.unchanged:
            # A feed where every entry was skipped is a failure, not an empty success.
            raise click.ClickException(_nothing_imported(len(entries), summary))

    @app.cli.command("refresh-meetings")
    def refresh_meetings():
        """Refresh every configured meeting feed whose interval has passed."""
        results = refresh_due_sources(utcnow())
        if not results:
            click.echo("No meeting feed is due.")
        for source, outcome in results:
            if isinstance(outcome, FeedError):
                click.echo(f"{source.name}: not refreshed: {outcome}", err=True)
            else:
                click.echo(f"{source.name}: {outcome.line()}")
