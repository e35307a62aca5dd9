"""The demo clinic's meetings: a feed of made-up local meetings, two saved, a goal of three."""

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..weeks import week_start
from .attendance import attendance_log, log_attendance, set_goal, today_for
from .importer import import_source, source_for
from .mine import save_meeting
from .models import Meeting

DEMO_FEED = Path(__file__).with_name("demo_feed.json")
# Not a path: the demo feed ships with the code, so it is imported from here, never refreshed.
DEMO_LOCATION = "demo:portal/meetings/demo_feed.json"
DEMO_SAVED = ["keep-it-simple-4", "online-dual-diagnosis-108"]


def seed_demo_meetings(client, counselor, now) -> None:
    """Import the demo feed; save two meetings, set a goal of three, log two this week."""
    source = source_for(DEMO_LOCATION, "Demo area meetings", refresh_hours=0)
    import_source(source, now, entries=json.loads(DEMO_FEED.read_text()))
    meetings = [
        db.session.scalars(
            select(Meeting).where(Meeting.source_id == source.id, Meeting.slug == slug)
        ).one()
        for slug in DEMO_SAVED
    ]
    for meeting in meetings:
        save_meeting(client, meeting, reminder_minutes=60)
    set_goal(client, 3, by=counselor)
    if not attendance_log(client, limit=1):
        today = today_for(client, now)
        earlier = max(week_start(today), today - timedelta(days=2))
        log_attendance(client, earlier, meeting=meetings[0], note="Shared for the first time.")
        log_attendance(client, today, meeting=meetings[1])
