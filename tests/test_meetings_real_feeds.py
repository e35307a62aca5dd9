"""Real Meeting Guide feeds (tests/feeds/, from TSML UI's test data) import as TSML UI shows."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.meetings.importer import import_source, source_for
from portal.meetings.models import Meeting
from portal.timeutil import utcnow

pytestmark = pytest.mark.usefixtures("clinic_clock")

FEEDS = Path(__file__).parent / "feeds"
# feed: (zone, entries, {mode: count} as TSML UI shows them, skipped as inactive)
REAL_FEEDS = {
    "edmonton": ("America/Edmonton", 315, {"in_person": 220, "hybrid": 40, "online": 34}, 21),
    "kc": ("America/Chicago", 206, {"in_person": 116, "hybrid": 48, "online": 33}, 9),
    "sussexaa": ("America/New_York", 123, {"in_person": 94, "hybrid": 1, "online": 28}, 0),
    "benlomond": ("America/Los_Angeles", 35, {"in_person": 17, "hybrid": 1, "online": 17}, 0),
}


def import_real(name: str):
    zone = REAL_FEEDS[name][0]
    entries = json.loads((FEEDS / f"{name}.json").read_text("utf-8"))
    source = source_for(f"test:{name}", timezone=zone)
    return import_source(source, utcnow(), entries=entries), source


def by_slug(source, slug: str) -> Meeting:
    return db.session.scalar(
        select(Meeting).where(Meeting.source_id == source.id, Meeting.slug == slug)
    )


@pytest.mark.parametrize("name", REAL_FEEDS)
def test_a_real_feed_imports_with_the_counts_tsml_ui_shows(app, name):
    zone, entries, modes, inactive = REAL_FEEDS[name]
    with app.app_context():
        summary, source = import_real(name)
        assert summary.added + len(summary.skipped) == entries
        assert summary.added == sum(modes.values())
        # What TSML UI marks inactive (no place to meet and no way in) is all that is skipped.
        assert len(summary.skipped) == inactive
        assert all(reason.startswith("inactive") for _, reason in summary.skipped)
        rows = db.session.execute(
            select(Meeting.mode, func.count())
            .where(Meeting.source_id == source.id)
            .group_by(Meeting.mode)
        )
        assert dict(rows.all()) == modes
        mine = db.session.scalars(select(Meeting).where(Meeting.source_id == source.id)).all()
        assert {m.timezone for m in mine} == {zone}
        # Every type code these feeds use has a name; none would be shown raw.
        from portal.meetings.types import type_name

        codes = {c for m in mine for c in m.types}
        assert codes and all(type_name(c) for c in codes), sorted(
            c for c in codes if not type_name(c)
        )


def test_twelve_hour_times_are_read_in_the_sources_zone(app, client, login_as):
    """Edmonton's "7:00 PM" on Mondays is 9:00 PM for a client in New York."""
    with app.app_context():
        summary, source = import_real("edmonton")
        campus = by_slug(source, "15")
        assert (campus.name, campus.days, str(campus.start_time)) == ("Campus", "1", "19:00:00")
        assert campus.mode == "hybrid" and campus.timezone == "America/Edmonton"
        meeting_id = campus.id
    login_as("client")
    html = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "9:00\u202fPM" in html or "9:00 PM" in html
    assert "7:00" in html and "America/Edmonton" in html  # the meeting's own clock beside it
    assert "Calvary Lutheran Church" in html and "Join the video call" in html


def test_an_online_meeting_with_an_area_is_online_and_shows_no_where(app, client, login_as):
    with app.app_context():
        summary, source = import_real("sussexaa")
        online = by_slug(source, "wednesday-as-bill-sees-it")
        assert online.mode == "online" and online.address == "Sussex County, DE, USA"
        meeting_id = online.id
    login_as("client")
    html = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert ">Where<" not in html and "Sussex County" in html
    assert "Join the video call" in html and "In person and online" not in html
    found = client.get("/meetings?mode=in_person&q=Bill+Sees").get_data(as_text=True)
    assert "Wednesday As Bill Sees It" not in found
    found = client.get("/meetings?mode=online&q=Bill+Sees").get_data(as_text=True)
    assert "Wednesday As Bill Sees It" in found
