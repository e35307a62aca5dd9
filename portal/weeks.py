"""The calendar week the clinic uses, in one place: Monday to Sunday unless WEEK_START says
otherwise. Hours this week, meetings this week, the calendar's week and month views and the
care team's weekly report all count by it, so their numbers agree."""

from datetime import date, timedelta

from flask import current_app

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_week_start(name: str) -> int:
    """Read WEEK_START ("monday" … "sunday") as a weekday number, 0 = Monday."""
    try:
        return WEEKDAY_NAMES.index(name.strip().lower())
    except ValueError:
        raise ValueError(f"WEEK_START {name!r}: use a weekday name, e.g. monday") from None


def first_weekday() -> int:
    """Return the weekday the clinic's weeks start on (0 = Monday)."""
    return current_app.config["WEEK_START"]


def week_start(day: date, first: int | None = None) -> date:
    """Return the first day of the clinic week that holds `day`."""
    first = first_weekday() if first is None else first
    return day - timedelta(days=(day.weekday() - first) % 7)


def week_dates(day: date, first: int | None = None) -> tuple[date, date]:
    """Return the first and the last day of the clinic week that holds `day`."""
    start = week_start(day, first)
    return start, start + timedelta(days=6)
