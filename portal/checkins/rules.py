"""The check-in's rules, without HTTP: which day, who needs attention, streaks, idempotency."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.program import stage
from ..audit.log import record_view
from ..client_cache import cached
from ..extensions import db
from ..idempotency import once
from ..timeutil import clinic_zone
from .models import CheckIn

# A check-in kept on a phone with no signal may arrive days late; it is still that day's.
LATE_DAYS = 7
CHECKIN_SCOPE = "checkin"  # its keys' kind in idempotency_keys


def clinic_today(now: datetime) -> date:
    """Return the date in the clinic's time zone at this instant."""
    return now.astimezone(clinic_zone()).date()


def checkin_on(client_id: int, day: date) -> CheckIn | None:
    """Return a client's check-in for a day, if there is one."""
    return db.session.scalar(
        select(CheckIn).where(CheckIn.client_id == client_id, CheckIn.day == day)
    )


def checked_in_on(client, day: date) -> bool:
    """Whether a client has checked in for a day (Today asks on every visit)."""
    return cached(client, "checked_in", day, lambda: checkin_on(client.id, day) is not None)


def day_problem(day: date, today: date, existing: CheckIn | None):
    """Return why answers for this day cannot be saved now, or None if they can.

    Today's check-in can be made and changed all day. A past day's check-in can still arrive
    late from a phone's outbox, but once there is one it can no longer be changed.
    """
    if day > today:
        return _l("That day has not come yet.")
    if day == today:
        return None
    if existing is not None or (today - day).days > LATE_DAYS:
        return _l("This day is closed. You can check in for today.")
    return None


def needs_attention(checkin, threshold: int) -> list[str]:
    """Return why a check-in should show the crisis panel and reach the care team (or [])."""
    reasons = []
    if checkin.used:
        reasons.append("use")
    if checkin.craving is not None and checkin.craving >= threshold:
        reasons.append("craving")
    if checkin.self_harm:
        reasons.append("self_harm")
    return reasons


def crisis_threshold() -> int:
    """Return the clinic's craving level at which a check-in is flagged."""
    return int(current_app.config["CRISIS_CRAVING_THRESHOLD"])


def streak(days: set[date], today: date) -> int:
    """Count consecutive days with a check-in up to today, or up to yesterday while today is
    still open."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def apply_checkin(client, day: date, answers: dict, now: datetime):
    """Write a client's answers for a day into the session, without committing; return the
    check-in and whether these answers newly flag it.

    Flagging is part of the same row, so it can never stop the answers from being saved.
    """
    checkin = checkin_on(client.id, day)
    if checkin is None:
        checkin = CheckIn(client_id=client.id, day=day, created_at=now)
        db.session.add(checkin)
    for name, value in answers.items():
        setattr(checkin, name, value)
    checkin.updated_at = now
    reasons = needs_attention(checkin, crisis_threshold())
    # In aftercare the check-in is the client's own: the crisis help shows, nobody is told.
    if not stage(client, now=now).in_program:
        reasons = []
    newly_flagged = bool(reasons) and checkin.flagged_at is None
    if reasons:
        checkin.flagged_at = checkin.flagged_at or now
        checkin.flag_reasons = sorted(set(checkin.flag_reasons or []) | set(reasons))
    db.session.flush()
    return checkin, newly_flagged


def save_checkin(client, day: date, answers: dict, now: datetime):
    """Create or update a client's check-in for a day and commit; return it and whether it is
    newly flagged. (The client's own submissions go through `submit_checkin`.)"""
    try:
        checkin, newly_flagged = apply_checkin(client, day, answers, now)
        db.session.commit()
    except IntegrityError:
        # Another request created this day's row a moment ago: this one becomes an edit.
        db.session.rollback()
        return save_checkin(client, day, answers, now)
    return checkin, newly_flagged


def submit_checkin(client, day: date, answers: dict, key: str, digest: str, *, now: datetime):
    """Save a client's submission exactly once per key (portal/idempotency.py).

    Return the key's `Result` (its `result_id` is the check-in) and whether this request newly
    flagged it, so only the request that saved it tells the care team.
    """
    flagged = [False]

    def effect():
        checkin, flagged[0] = apply_checkin(client, day, answers, now)
        return "saved", checkin.id

    result = once(key, CHECKIN_SCOPE, client.id, digest, effect, now=now)
    return result, flagged[0] and not result.replay


def mark_reviewed(checkin: CheckIn, reviewer, action: str, note: str, now: datetime) -> None:
    """Record what a care-team member did about a flagged check-in, and write it to the audit
    log, so who reviewed which flag, and when, is on record beside every view."""
    checkin.reviewed_at = now
    checkin.reviewed_by_id = reviewer.id
    checkin.review_action = action
    checkin.review_note = note
    record_view(checkin.client, "checkin", checkin.id, actor=reviewer, action="review", at=now)


def last_use_day(client) -> date | None:
    """Return the last day the client reported use in a check-in, if any."""
    return db.session.scalar(
        select(func.max(CheckIn.day)).where(CheckIn.client_id == client.id, CheckIn.used)
    )


def program_start(client) -> date:
    """Return the day the client's program began: their account, or an earlier first check-in
    (an account made after the first weeks on paper)."""
    joined = client.created_at.astimezone(clinic_zone()).date()
    first = db.session.scalar(select(func.min(CheckIn.day)).where(CheckIn.client_id == client.id))
    return min(joined, first) if first else joined
