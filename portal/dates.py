"""Dates in one format across the app, localized by Babel from CLDR skeletons, so Spanish gets
"mar, 24 nov" where English gets "Tue, Nov 24". Times use Babel's "short" time format.

Styles: "day" (Tue, Nov 24), "long" (Tuesday, November 24), "date" (Nov 24, 2026),
"day_date" (Tue, Nov 24, 2026), "month_day" (Nov 24), "month" (November 2026),
"weekday" (Tuesday), "weekday_short" (Tue). An instant with its time: `format_moment`.
"""

import functools
import re
from datetime import date, datetime

from babel import Locale
from babel.dates import DateTimePattern, format_date, match_skeleton, parse_pattern
from flask_babel import format_time, get_locale, to_user_timezone

SKELETONS = {
    "day": "MMMEd",
    "long": "MMMMEd",
    "date": "yMMMd",
    "day_date": "yMMMEd",
    "month_day": "MMMd",
    "month": "yMMMM",
    "weekday": "E",
    "weekday_short": "E",
}
WIDE_WEEKDAY = {"long", "weekday"}  # CLDR has no full-weekday skeletons; widen E the way ICU does


def pattern_for(style: str, locale) -> str:
    """Return the locale's date pattern for one of the app's styles."""
    skeletons = locale.datetime_skeletons
    pattern = skeletons[match_skeleton(SKELETONS[style], skeletons)].pattern
    if style in WIDE_WEEKDAY:
        pattern = re.sub(r"E+|c+", lambda m: m.group(0)[0] * 4, pattern)
    return pattern


@functools.cache
def _compiled(style: str, locale_name: str) -> DateTimePattern:
    # Matching a skeleton tokenizes every pattern the locale has, and Babel parses a pattern
    # string again on every call: together a millisecond of each page with a few dates on it.
    return parse_pattern(pattern_for(style, Locale.parse(locale_name)))


def format_day(value: date | datetime, style: str = "day") -> str:
    """Format a date (or an instant, in the clinic's zone) in one of the app's styles."""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    locale = get_locale()
    return format_date(value, _compiled(style, str(locale)), locale=locale)


def format_moment(value: datetime, style: str = "day") -> str:
    """Format an instant as its day (in one of the styles) and short time, in the clinic's zone,
    joined the locale's way: "Tue, Nov 24, 8:15 PM", "mar, 24 de nov, 8:15 p.m."."""
    joined = str(get_locale().datetime_formats["short"])
    return joined.format(format_time(value, "short"), format_day(value, style))


def hour_of(clock: str) -> int:
    """The hour a formatted time shows ("1:30 PM" is 1), as the count for `ngettext`.

    Spanish says "a la 1:30" but "a las 2:30": the article agrees with the hour the way a noun
    agrees with a number, so a sentence with a time in it is a plural message counted by its
    hour (English gives the same text for every count).
    """
    digits = re.match(r"\s*(\d+)", clock)
    return int(digits.group(1)) if digits else 0
