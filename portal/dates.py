"""Dates in one format across the app, localized by Babel from CLDR skeletons, so Spanish gets
"mar, 24 nov" where English gets "Tue, Nov 24". Times use Babel's "short" time format.

Styles: "day" (Tue, Nov 24), "long" (Tuesday, November 24), "date" (Nov 24, 2026),
"day_date" (Tue, Nov 24, 2026), "month_day" (Nov 24), "month" (November 2026).
"""

import re
from datetime import date, datetime

from babel.dates import format_date, match_skeleton
from flask_babel import get_locale, to_user_timezone

SKELETONS = {
    "day": "MMMEd",
    "long": "MMMMEd",
    "date": "yMMMd",
    "day_date": "yMMMEd",
    "month_day": "MMMd",
    "month": "yMMMM",
}
WIDE_WEEKDAY = {"long"}  # CLDR has no full-weekday skeletons; widen E the way ICU does


def pattern_for(style: str, locale) -> str:
    """Return the locale's date pattern for one of the app's styles."""
    skeletons = locale.datetime_skeletons
    pattern = skeletons[match_skeleton(SKELETONS[style], skeletons)].pattern
    if style in WIDE_WEEKDAY:
        pattern = re.sub(r"E+", "EEEE", pattern)
    return pattern


def format_day(value: date | datetime, style: str = "day") -> str:
    """Format a date (or an instant, in the clinic's zone) in one of the app's styles."""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    locale = get_locale()
    return format_date(value, pattern_for(style, locale), locale=locale)
