"""Time in one place: stored in UTC, shown in the clinic's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.types import DateTime, TypeDecorator


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def clinic_zone() -> ZoneInfo:
    """Return the clinic's time zone from the settings."""
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL read back the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def zone_for(user) -> ZoneInfo:
    """Return the zone to show this person's times in; the clinic's until people can choose."""
    return clinic_zone()
