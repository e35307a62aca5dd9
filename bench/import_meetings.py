"""Time `import-meetings` on feeds of 1,000 and 10,000 meetings: a first import, then a
re-import where a tenth changed and a tenth vanished; then one unfiltered directory search
(the costliest: every listed meeting's next time is computed; a tenth of them are retired).

    .venv/bin/python bench/import_meetings.py [postgresql://user@host/empty_db]

SQLite always (a fresh file); PostgreSQL too when a URL is given (its tables are dropped and
made again, so give it a database of its own).
"""

import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.meetings.directory import MeetingFilters, search  # noqa: E402
from portal.meetings.importer import import_source, source_for  # noqa: E402
from portal.timeutil import utcnow  # noqa: E402
from tests.meeting_feeds import big_feed  # noqa: E402

SIZES = [1_000, 10_000]


def run(url: str) -> list[tuple]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    rows = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        for size in SIZES:
            feed = big_feed(size, prefix=f"s{size}")
            source = source_for(f"bench:{size}")
            started = time.perf_counter()
            import_source(source, utcnow(), entries=feed)
            first = time.perf_counter() - started
            changed = feed[: size * 9 // 10]
            for entry in changed[: size // 10]:
                entry["name"] += " (moved)"
            started = time.perf_counter()
            import_source(source, utcnow(), entries=changed)
            again = time.perf_counter() - started
            started = time.perf_counter()
            search(MeetingFilters(), utcnow(), ZoneInfo("America/New_York"))
            find = time.perf_counter() - started
            rows.append((db.engine.dialect.name, size, first, again, find))
        db.session.remove()  # end the search's transaction, or PostgreSQL's DROP waits on it
        db.drop_all()
        db.engine.dispose()
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(f"sqlite:///{tmp}/bench.sqlite3")
    if len(sys.argv) > 1:
        rows += run(sys.argv[1].replace("postgresql://", "postgresql+psycopg://", 1))
    print("| database   | meetings | first import | re-import | search, no filter |")
    print("| ---------- | --------:| ------------:| ---------:| -----------------:|")
    for dialect, size, first, again, find in rows:
        print(f"| {dialect:10} | {size:>8,} | {first:>11.2f}s | {again:>8.2f}s | {find:>16.2f}s |")


if __name__ == "__main__":
    main()
