"""Meeting Guide feeds of our own making, and the meeting objects the access tests need."""

import json
from datetime import date, time
from pathlib import Path
from types import SimpleNamespace

from portal.accounts.models import User
from portal.extensions import db
from portal.meetings.attendance import log_attendance
from portal.meetings.importer import import_source, source_for
from portal.meetings.mine import add_personal_meeting
from portal.timeutil import utcnow


def meeting(slug: str, /, **fields) -> dict:
    """One plain, valid in-person meeting; keyword arguments change or add fields."""
    entry = {
        "name": f"Meeting {slug}",
        "slug": slug,
        "day": 2,
        "time": "19:00",
        "location": "Community Center",
        "formatted_address": "12 Main St, Riverton, PA 19301, USA",
        "types": ["O", "D"],
    }
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not None}


def big_feed(count: int, prefix: str = "m") -> list[dict]:
    """A feed of `count` varied meetings, as a large area's feed looks."""
    return [
        meeting(
            f"{prefix}-{i}",
            name=f"Group {i}",
            day=[i % 7, (i + 3) % 7] if i % 10 == 0 else i % 7,
            time=f"{6 + i % 16:02d}:{(i * 15) % 60:02d}",
            types=["O" if i % 2 else "C", ["D", "SP", "ST", "B"][i % 4]],
            conference_url=f"https://zoom.us/j/{i}" if i % 5 == 0 else None,
        )
        for i in range(count)
    ]


def write_feed(path: Path, entries) -> Path:
    path.write_text(json.dumps(entries))
    return path


def import_entries(entries: list, location: str = "test:feed"):
    """Import entries as the source at `location` (inside an app context); return the summary."""
    return import_source(source_for(location), utcnow(), entries=entries)


def make_meeting_objects(app, people: SimpleNamespace) -> None:
    """A directory meeting, and a personal meeting and an attendance entry for each client."""
    with app.app_context():
        import_entries([meeting("access-1", name="Access Test Meeting")])
        from portal.meetings.models import Meeting

        people.meeting_id = db.session.query(Meeting).one().id
        for who, suffix in ((people.client, ""), (people.other_client, "other_")):
            user = db.session.get(User, who.id)
            personal = add_personal_meeting(
                user, "Home group", 3, time(18, 0), time(19, 0), place="Riverton"
            )
            entry = log_attendance(user, date(2026, 11, 2), title="A meeting")
            setattr(people, f"{suffix}personal_meeting_id", personal.id)
            setattr(people, f"{suffix}attendance_id", entry.id)
