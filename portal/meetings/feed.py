"""Read one entry of a Meeting Guide feed into a clean record, or say why it cannot be used.

Pure functions, no database. The specification (Code for Recovery) is followed, and so is the
way real feeds bend it: days as strings or arrays, times with seconds, addresses in parts.
"""

import hashlib
import html
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .links import conference_provider, dial_string
from .models import HYBRID, IN_PERSON, ONLINE
from .types import canonical_code

DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
# "7:00 PM", "7 pm", "12:30 a.m.": real feeds send these though the spec asks for 24 hours.
TIME_12 = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*([ap])\.?\s*m\.?\s*$", re.I)
# Feeds are untrusted: no control characters (PostgreSQL refuses NUL), bounded lengths.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TYPE_CODE = re.compile(r"^[A-Za-z0-9\-]{1,20}$")
MAX_TYPES = 40  # 40 codes of 20 characters fit the type_codes column


class Skip(Exception):
    """An entry that cannot be imported, with the reason in plain words."""


@dataclass
class MeetingRecord:
    """One usable meeting, with exactly the fields stored on Meeting."""

    slug: str
    name: str
    days: str
    start_time: time
    end_time: time
    timezone: str
    mode: str
    type_codes: str = ""
    location: str = ""
    address: str = ""
    region: str = ""
    group_name: str = ""
    notes: str = ""
    location_notes: str = ""
    conference_url: str = ""
    conference_url_notes: str = ""
    conference_phone: str = ""
    conference_phone_notes: str = ""
    url: str = ""
    fingerprint: str = field(default="", compare=False)

    def values(self) -> dict:
        """Return the record as column values, fingerprint included."""
        values = asdict(self)
        values["fingerprint"] = fingerprint(values)
        return values


def fingerprint(values: dict) -> str:
    """Hash the imported fields, so a re-import can skip meetings that did not change."""
    data = {k: str(v) for k, v in values.items() if k != "fingerprint"}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def text(value, limit: int) -> str:
    """Return a feed value as clean text of at most `limit` characters."""
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    # Some feeds escape their text for HTML ("AA &amp; Al-Anon"); decode once, and let the
    # templates escape it again on the way out.
    return CONTROL.sub("", html.unescape(str(value))).strip()[:limit]


def safe_url(value) -> str:
    """Keep only http(s) links with a host; anything else (javascript:, data:…) is dropped."""
    url = text(value, 2000)
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc and " " not in url:
        return url
    return ""


def phone(value) -> str:
    """Keep a dial string that can reach someone; "" for one too short to be a number."""
    return dial_string(text(value, 200))


def parse_day(value) -> int:
    """Read one day: 0–6 (0 is Sunday), as a number, a numeric string or an English name."""
    if isinstance(value, bool):
        raise Skip(f"day not understood: {value!r}")
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word.isdigit() and 0 <= int(word) <= 6:
            return int(word)
        for number, name in enumerate(DAY_NAMES):
            if len(word) >= 3 and name.startswith(word):
                return number
    raise Skip(f"day not understood: {str(value)[:40]!r}")


def parse_days(value) -> str:
    """Read `day` as one day or a list of days; return the digits, Sunday first."""
    values = value if isinstance(value, list) else [value]
    return "".join(sorted({str(parse_day(v)) for v in values}))


def parse_time(value, what: str) -> time:
    """Read HH:MM (seconds tolerated) on a 24-hour clock, or a 12-hour time such as 7:00 PM."""
    if isinstance(value, str) and (twelve := TIME_12.match(value)):
        hour, minute = int(twelve[1]), int(twelve[2] or 0)
        if 1 <= hour <= 12 and minute <= 59:
            return time(hour % 12 + (12 if twelve[3].lower() == "p" else 0), minute)
    match = TIME.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise Skip(f"{what} not understood: {str(value)[:40]!r}")
    return time(int(match[1]), int(match[2]))


def end_time_of(start: time, value) -> time:
    """Return the end time, one hour after the start when the feed gives none (or nonsense)."""
    try:
        end = parse_time(value, "end_time") if value not in (None, "") else None
    except Skip:
        end = None
    if end is None or end == start:
        end = (datetime.combine(datetime.min, start) + timedelta(hours=1)).time()
    return end


def zone_name(value, default: str) -> str:
    """Return a valid IANA zone name: the meeting's own, or the default when it has none."""
    name = text(value, 64)
    if not name:
        return default
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Skip(f"unknown time zone: {name!r}") from None
    return name


def address_of(entry: dict) -> str:
    """Use formatted_address, else put the address parts together."""
    formatted = text(entry.get("formatted_address"), 500)
    if formatted:
        return formatted
    state = (text(entry.get("state"), 60), text(entry.get("postal_code"), 20))
    region = " ".join(p for p in state if p)
    parts = [text(entry.get(k), 200) for k in ("address", "city")] + [region]
    parts.append(text(entry.get("country"), 60))
    return ", ".join(p for p in parts if p)[:500]


def type_codes_of(value) -> list[str]:
    """Return the type codes in order, without duplicates or junk; unknown codes are kept."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    codes = []
    for item in value:
        code = canonical_code(text(item, 20))
        if TYPE_CODE.match(code) and code not in codes:
            codes.append(code)
    return codes[:MAX_TYPES]


def is_approximate(entry: dict, address: str) -> bool:
    """Tell whether the address is only an area ("San Jose, CA, USA"), as TSML UI decides.

    The feed's `approximate` ("yes"/"no") wins; without it, an address of fewer than four
    parts (street, city, state and postcode, country) is taken as approximate.
    """
    given = entry.get("approximate")
    if isinstance(given, bool):
        return given
    if isinstance(given, str):
        return given.strip().lower() == "yes"
    parts = len(address.split(","))
    if not text(entry.get("formatted_address"), 500) and not text(entry.get("country"), 60):
        # Built from parts with no country: TSML UI infers it (USA, Canada) from the state.
        parts += bool(text(entry.get("state"), 60))
    return parts < 4


def attendance_mode(entry: dict, codes: list[str], address: str, online: bool) -> str:
    """Decide in person, online or hybrid by the spec's rules, as TSML UI reads them.

    In person needs a specific address and a location not temporarily closed (TC); online
    needs a video link of a known service or a dial-in number. `attendance_option`
    (12 Step Meeting List) can only take in person away, never add it to an area.
    """
    option = text(entry.get("attendance_option"), 20).lower()
    if option == "inactive":
        raise Skip("inactive (the feed marks it so)")
    in_person = bool(address) and "TC" not in codes and not is_approximate(entry, address)
    if option == ONLINE:
        in_person = False
    if online and in_person:
        return HYBRID
    if online:
        return ONLINE
    if in_person:
        return IN_PERSON
    if "TC" in codes:
        raise Skip("inactive (location temporarily closed, and no video link or phone)")
    raise Skip("inactive (no specific address, and no video link or phone)")


def region_of(entry: dict) -> str:
    """Return the regions, most general first; the city when the feed gives no region."""
    regions = entry.get("regions")
    if isinstance(regions, list) and regions:
        return " › ".join(text(r, 80) for r in regions if text(r, 80))[:255]
    sub = text(entry.get("sub_region"), 120)
    region = " › ".join(p for p in (text(entry.get("region"), 120), sub) if p)
    return region or text(entry.get("city"), 120)


def _slug_and_name(entry) -> tuple[str, str]:
    if not isinstance(entry, dict):
        raise Skip("not a meeting (expected an object)")
    slug = text(entry.get("slug"), 256)
    if not slug:
        raise Skip("no slug")
    if len(slug) > 255:
        raise Skip("slug longer than 255 characters")
    name = text(entry.get("name"), 255)
    if not name:
        raise Skip("no name")
    return slug, name


def parse_entry(entry, default_zone: str) -> MeetingRecord:
    """Turn one feed entry into a MeetingRecord, or raise Skip with the reason."""
    slug, name = _slug_and_name(entry)
    day, start = entry.get("day"), entry.get("time")
    if day in (None, "", []) or start in (None, ""):
        raise Skip("by appointment (no day or time)")
    days = parse_days(day)
    start_time = parse_time(start, "time")
    codes = type_codes_of(entry.get("types"))
    address = address_of(entry)
    conference_url = safe_url(entry.get("conference_url"))
    conference_phone = phone(entry.get("conference_phone"))
    joinable = bool(conference_provider(conference_url) or conference_phone)
    return MeetingRecord(
        slug=slug,
        name=name,
        days=days,
        start_time=start_time,
        end_time=end_time_of(start_time, entry.get("end_time")),
        timezone=zone_name(entry.get("timezone"), default_zone),
        mode=attendance_mode(entry, codes, address, joinable),
        type_codes="|" + "|".join(codes) + "|" if codes else "",
        location=text(entry.get("location"), 255),
        address=address,
        region=region_of(entry),
        group_name=text(entry.get("group"), 255),
        notes=text(entry.get("notes"), 5000),
        location_notes=text(entry.get("location_notes"), 5000),
        conference_url=conference_url,
        conference_url_notes=text(entry.get("conference_url_notes"), 1000),
        conference_phone=conference_phone,
        conference_phone_notes=text(entry.get("conference_phone_notes"), 1000),
        url=safe_url(entry.get("url")),
    )
