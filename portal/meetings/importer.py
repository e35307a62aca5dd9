"""Import a Meeting Guide feed: read it, upsert its meetings by slug, retire the ones that vanished.

Bulk statements throughout, so a feed of 10,000 meetings takes seconds, not minutes.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import insert, select, update

from ..extensions import db
from .feed import Skip, parse_entry, text
from .models import Meeting, MeetingSource

MAX_FEED_BYTES = 50 * 1024 * 1024
FETCH_TIMEOUT = 30
CHUNK = 1000


class FeedError(Exception):
    """The feed as a whole cannot be read; nothing was changed."""


@dataclass
class ImportSummary:
    """What an import did, and why each skipped entry was skipped."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        """Say it in one line, for the CLI and the source's last result."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.skipped)} skipped"
        )


def is_url(location: str) -> bool:
    return urlsplit(location).scheme.lower() in ("http", "https")


def read_source(location: str, timeout: float = FETCH_TIMEOUT) -> bytes:
    """Fetch a feed from an http(s) URL or read it from a file, refusing anything too large."""
    try:
        if is_url(location):
            request = urllib.request.Request(  # noqa: S310 (the scheme is checked just above)
                location, headers={"Accept": "application/json", "User-Agent": "portal-meetings"}
            )
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                data = response.read(MAX_FEED_BYTES + 1)
        else:
            with Path(location).open("rb") as f:
                data = f.read(MAX_FEED_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise FeedError(f"Could not fetch {location}: HTTP {e.code}.") from None
    except urllib.error.URLError as e:
        raise FeedError(f"Could not fetch {location}: {e.reason}.") from None
    except OSError as e:
        raise FeedError(f"Could not read {location}: {e.strerror or e}.") from None
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"The feed is larger than {MAX_FEED_BYTES // 1024 // 1024} MB.")
    return data


def load_feed(data: bytes) -> list:
    """Parse the feed's JSON and check that it is an array of meetings."""
    try:
        entries = json.loads(data)
    except json.JSONDecodeError as e:
        raise FeedError(
            f"The feed is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})."
        ) from None
    except (UnicodeDecodeError, RecursionError, ValueError):
        raise FeedError("The feed is not valid JSON text.") from None
    if not isinstance(entries, list):
        raise FeedError(
            f"The feed must be a JSON array of meetings, not a {type(entries).__name__}."
        )
    return entries


def _label(number: int, entry) -> str:
    slug = text(entry.get("slug"), 60) if isinstance(entry, dict) else ""
    return f"entry {number} ({slug})" if slug else f"entry {number}"


def _chunks(rows: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _existing(source: MeetingSource) -> dict:
    rows = db.session.execute(
        select(Meeting.slug, Meeting.id, Meeting.fingerprint, Meeting.retired_at).where(
            Meeting.source_id == source.id
        )
    )
    return {row.slug: row for row in rows}


def import_entries(
    source: MeetingSource,
    entries: list,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Upsert a feed's meetings by slug, retire the vanished ones, and commit once."""
    summary = ImportSummary()
    zone = source.timezone or current_app.config["CLINIC_TIMEZONE"]
    existing, seen = _existing(source), set()
    inserts, updates = [], []
    for number, entry in enumerate(entries, 1):
        if progress and number % 500 == 0:
            progress(500)
        try:
            record = parse_entry(entry, zone)
            if record.slug in seen:
                raise Skip("the same slug appears earlier in the feed")
        except Skip as reason:
            summary.skipped.append((_label(number, entry), str(reason)))
            continue
        seen.add(record.slug)
        values = {**record.values(), "imported_at": now, "retired_at": None}
        old = existing.get(record.slug)
        if old is None:
            inserts.append({**values, "source_id": source.id})
        elif old.fingerprint != values["fingerprint"] or old.retired_at is not None:
            updates.append({**values, "id": old.id})
        else:
            summary.unchanged += 1
    if progress:
        progress(len(entries) % 500)
    if not seen and existing:
        # An empty answer from a broken server must not empty the directory.
        raise FeedError("The feed has no usable meetings; nothing was changed.")
    gone = [row.id for slug, row in existing.items() if slug not in seen and not row.retired_at]
    _write(inserts, updates, gone, now)
    summary.added, summary.updated, summary.removed = len(inserts), len(updates), len(gone)
    return summary


def _write(inserts: list, updates: list, gone: list, now: datetime) -> None:
    for chunk in _chunks(inserts):
        db.session.execute(insert(Meeting), chunk)
    for chunk in _chunks(updates):
        db.session.execute(update(Meeting), chunk)
    for chunk in _chunks(gone):
        db.session.execute(
            update(Meeting).where(Meeting.id.in_(chunk)).values(retired_at=now),
            execution_options={"synchronize_session": False},
        )


def check_zone(name: str) -> str:
    """Return an IANA zone name as given, or raise FeedError saying it is not one."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FeedError(
            f"Unknown time zone {name!r}: use an IANA name such as America/Los_Angeles."
        ) from None
    return name


def source_for(
    location: str,
    name: str | None = None,
    refresh_hours: int | None = None,
    timezone: str | None = None,
):
    """Find the configured source for a location, or configure a new one."""
    if timezone is not None:
        timezone = check_zone(timezone)
    source = db.session.scalar(select(MeetingSource).where(MeetingSource.location == location))
    if source is None:
        default = urlsplit(location).netloc if is_url(location) else Path(location).stem
        source = MeetingSource(location=location, name=(name or default or location)[:120])
        db.session.add(source)
    elif name:
        source.name = name[:120]
    if refresh_hours is not None:
        source.refresh_hours = refresh_hours
    if timezone is not None:
        source.timezone = timezone
    db.session.flush()
    return source


def import_source(
    source: MeetingSource,
    now: datetime,
    entries: list | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Read a source (unless its entries are given), import it, and note the result on it."""
    try:
        if entries is None:
            entries = load_feed(read_source(source.location))
        summary = import_entries(source, entries, now, progress)
    except FeedError as e:
        db.session.rollback()
        _note(source, now, str(e))
        raise
    _note(source, now, summary.line())
    return summary


def _note(source: MeetingSource, now: datetime, result: str) -> None:
    source.last_refreshed_at, source.last_result = now, result[:500]
    db.session.add(source)
    db.session.commit()


def is_due(source: MeetingSource, now: datetime) -> bool:
    """Tell whether a source's refresh interval has passed (0 hours: refreshed only by hand)."""
    if source.refresh_hours <= 0:
        return False
    last = source.last_refreshed_at
    return last is None or last + timedelta(hours=source.refresh_hours) <= now


def refresh_due_sources(now: datetime) -> list[tuple[MeetingSource, ImportSummary | FeedError]]:
    """Refresh every source whose interval has passed; the worker calls this on each pass."""
    results = []
    for source_id in db.session.scalars(select(MeetingSource.id)).all():
        # Lock the row so two workers never import the same feed at once (PostgreSQL; SQLite
        # has one writer anyway), and check again under the lock.
        source = db.session.scalar(
            select(MeetingSource)
            .where(MeetingSource.id == source_id)
            .with_for_update(skip_locked=True)
        )
        if source is None or not is_due(source, now):
            db.session.rollback()
            continue
        try:
            results.append((source, import_source(source, now)))
        except FeedError as e:
            results.append((source, e))
    return results
