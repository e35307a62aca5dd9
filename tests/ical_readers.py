"""Two iCalendar readers that share no code with ours: icalendar + recurring-ical-events in
Python, and ical.js (Mozilla's, used by Thunderbird and many web calendars) in Node."""

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar

from tests.browser.vendor import npm_file

ICAL_JS_VERSION = "2.2.1"

# Prints {uid: start in Unix seconds} as ical.js computes it from the feed's own VTIMEZONEs.
NODE_SCRIPT = """
import { readFileSync } from "node:fs";
const ICAL = (await import(process.argv[2])).default;
const root = new ICAL.Component(ICAL.parse(readFileSync(process.argv[3], "utf8")));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
}
const starts = {};
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  starts[event.uid] = event.startDate.toUnixTime();
}
console.log(JSON.stringify(starts));
"""


def python_starts(feed: bytes, start: datetime, end: datetime) -> dict[str, datetime]:
    """Return each event's start in UTC as icalendar and recurring-ical-events read it."""
    cal = Calendar.from_ical(feed)
    return {
        str(e["UID"]): e["DTSTART"].dt.astimezone(UTC)
        for e in recurring_ical_events.of(cal).between(start, end)
    }


def vtimezone_starts(feed: bytes) -> dict[str, datetime]:
    """Return each event's start in UTC by the feed's own VTIMEZONE, not the zone database."""
    cal = Calendar.from_ical(feed)
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in cal.walk("VTIMEZONE")}
    found = {}
    for event in cal.walk("VEVENT"):
        prop = event["DTSTART"]
        local = prop.dt.replace(tzinfo=None)
        found[str(event["UID"])] = local.replace(tzinfo=zones[prop.params["TZID"]]).astimezone(UTC)
    return found


def ical_js_starts(feed: bytes, tmp_path: Path) -> dict[str, datetime]:
    """Return each event's start in UTC as ical.js reads it (Node; ical.js from npm)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are needed to check the feed with ical.js")
        pytest.skip("node and npm are needed to check the feed with ical.js (not installed)")
    library = npm_file("ical.js", ICAL_JS_VERSION, "dist/ical.js")
    script, ics = tmp_path / "starts.mjs", tmp_path / "feed.ics"
    script.write_text(NODE_SCRIPT)
    ics.write_bytes(feed)
    result = subprocess.run(
        [node, str(script), library.as_uri(), str(ics)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {
        uid: datetime.fromtimestamp(seconds, UTC)
        for uid, seconds in json.loads(result.stdout).items()
    }
