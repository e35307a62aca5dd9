"""What may be done to occurrences, and doing it: notices, cancel and move, attendance, feeds."""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from .models import (
    ATTENDANCE,
    AbsenceNotice,
    Attendance,
    CalendarFeed,
    Enrollment,
    OccurrenceChange,
)
from .occurrences import Occurrence

PRESENT = ("attended", "late")


def notice_problem(occurrence: Occurrence, kind: str, now: datetime):
    """Return why a notice cannot be sent for this occurrence now, or None if it can."""
    if occurrence.cancelled:
        return _l("This session is cancelled, so there is nothing to tell.")
    if occurrence.has_ended(now):
        return _l("This session is over.")
    if kind == "running_late" and (occurrence.start - now).total_seconds() > 3 * 3600:
        return _l("You can say you are running late from 3 hours before the start.")
    return None


def send_notice(
    person: User, occurrence: Occurrence, kind: str, reason: str, *, now: datetime
) -> AbsenceNotice:
    """Record (or update) a person's notice for an occurrence; the care team sees it as new."""
    notice = db.session.scalar(
        select(AbsenceNotice).where(
            AbsenceNotice.person_id == person.id,
            AbsenceNotice.series_id == occurrence.series.id,
            AbsenceNotice.occurrence_start == occurrence.original_start,
        )
    )
    if notice is None:
        notice = AbsenceNotice(
            person_id=person.id,
            series_id=occurrence.series.id,
            occurrence_start=occurrence.original_start,
        )
        db.session.add(notice)
    notice.kind, notice.reason = kind, reason
    notice.created_at, notice.seen_at, notice.withdrawn_at = now, None, None
    db.session.commit()
    return notice


def withdraw_problem(occurrence: Occurrence, now: datetime):
    """Return why the person's notice cannot be taken back now, or None if it can."""
    if occurrence.notice is None or not occurrence.notice.in_force:
        return _l("There is nothing to take back.")
    if occurrence.start <= now:
        return _l("The session has started. To change this, talk to your care team.")
    return None


def withdraw_notice(notice: AbsenceNotice, now: datetime) -> AbsenceNotice:
    """Take a notice back; the care team sees the change as new, next to what was sent."""
    notice.withdrawn_at, notice.seen_at = now, None
    db.session.commit()
    return notice


def _change_for(occurrence: Occurrence, by: User, now: datetime) -> OccurrenceChange:
    change = db.session.scalar(
        select(OccurrenceChange).where(
            OccurrenceChange.series_id == occurrence.series.id,
            OccurrenceChange.original_start == occurrence.original_start,
        )
    )
    if change is None:
        change = OccurrenceChange(
            series_id=occurrence.series.id, original_start=occurrence.original_start, sequence=0
        )
        db.session.add(change)
    change.sequence += 1
    change.changed_by_id, change.changed_at = by.id, now
    return change


def cancel_occurrence(
    occurrence: Occurrence, by: User, note: str = "", family_note: str = "", *, now: datetime
) -> OccurrenceChange:
    """Cancel one occurrence; the rest of the series is untouched."""
    change = _change_for(occurrence, by, now)
    change.cancelled, change.note, change.family_note = True, note, family_note
    change.new_start = change.new_end = None
    db.session.commit()
    return change


def move_occurrence(
    occurrence: Occurrence,
    start: datetime,
    end: datetime,
    by: User,
    note: str = "",
    family_note: str = "",
    *,
    now: datetime,
) -> OccurrenceChange:
    """Move one occurrence to a new time; it keeps its identity (and its attendance)."""
    change = _change_for(occurrence, by, now)
    change.cancelled, change.note, change.family_note = False, note, family_note
    change.new_start, change.new_end = start, end
    db.session.commit()
    return change


def restore_occurrence(occurrence: Occurrence, by: User, *, now: datetime) -> OccurrenceChange:
    """Undo a cancel or move: the occurrence happens as first scheduled."""
    change = _change_for(occurrence, by, now)
    change.cancelled, change.new_start, change.new_end = False, None, None
    change.note = change.family_note = ""
    db.session.commit()
    return change


def roster(occurrence: Occurrence) -> list[User]:
    """Return the clients expected at an occurrence: the group's members, or the one client."""
    series = occurrence.series
    if series.group_id is not None:
        return list(
            db.session.scalars(
                select(User)
                .join(Enrollment, Enrollment.client_id == User.id)
                .where(Enrollment.group_id == series.group_id, User.active.is_(True))
                .order_by(User.name)
            )
        )
    return [series.client] if series.client is not None else []


def attendance_for(occurrence: Occurrence) -> dict[int, Attendance]:
    """Return the attendance recorded for an occurrence, by client id."""
    rows = db.session.scalars(
        select(Attendance).where(
            Attendance.series_id == occurrence.series.id,
            Attendance.occurrence_start == occurrence.original_start,
        )
    )
    return {a.client_id: a for a in rows}


def record_attendance(
    occurrence: Occurrence, statuses: dict[int, str], by: User, *, now: datetime
) -> int:
    """Record attendance for clients at an occurrence; return how many rows were written."""
    existing = attendance_for(occurrence)
    minutes = int((occurrence.end - occurrence.start).total_seconds() // 60)
    for client_id, status in statuses.items():
        if status not in ATTENDANCE:
            raise ValueError(f"unknown attendance status {status!r}")
        row = existing.get(client_id)
        if row is None:
            row = Attendance(
                client_id=client_id,
                series_id=occurrence.series.id,
                occurrence_start=occurrence.original_start,
            )
            db.session.add(row)
        row.status = status
        row.minutes = minutes if status in PRESENT else 0
        row.recorded_by_id, row.recorded_at = by.id, now
    db.session.commit()
    return len(statuses)


def feed_of(user: User) -> CalendarFeed | None:
    """Return a person's calendar feed, if they have made one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def _derive_feed_token(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, b"calendar-feed:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()  # 192 bits, 32 characters


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def renew_feed(user: User) -> CalendarFeed:
    """Give a person a feed address (192 bits); an old one stops working at once."""
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash="")
        db.session.add(feed)
    feed.nonce = secrets.token_urlsafe(16)
    feed.token_hash = _feed_hash(_derive_feed_token(feed.nonce))
    db.session.commit()
    return feed


def feed_token(feed: CalendarFeed) -> str | None:
    """Return the token of a feed's address, to show it again; None when it cannot be.

    It cannot be for an address made before tokens were hashed, or after the secret key
    changed: the old address still works, and making a new one shows it again.
    """
    if not feed.nonce:
        return None
    token = _derive_feed_token(feed.nonce)
    return token if hmac.compare_digest(_feed_hash(token), feed.token_hash) else None


def feed_by_token(token: str) -> CalendarFeed | None:
    """Return the feed with this token, if any (the token is the whole secret)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == _feed_hash(token))
    )
