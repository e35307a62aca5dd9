"""The check-in's rules, without HTTP: which day, who needs attention, streaks, idempotency."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.log import record_view
from ..extensions import db
from ..timeutil import clinic_zone
from .models import CheckIn, CheckInSubmission

# A check-in kept on a phone with no signal may arrive days late; it is still that day's.
LATE_DAYS = 7
# A submission still "in flight" after this long died with its process; a retry may take over.
STALE_CLAIM = timedelta(minutes=2)


def clinic_today(now: datetime) -> date:
    """Return the date in the clinic's time zone at this instant."""
    return now.astimezone(clinic_zone()).date()


def checkin_on(client_id: int, day: date) -> CheckIn | None:
    """Return a client's check-in for a day, if there is one."""
    return db.session.scalar(
        select(CheckIn).where(CheckIn.client_id == client_id, CheckIn.day == day)
    )


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


def save_checkin(client, day: date, answers: dict, now: datetime):
    """Create or update a client's check-in for a day; return it and whether it is newly flagged.

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
    newly_flagged = bool(reasons) and checkin.flagged_at is None
    if reasons:
        checkin.flagged_at = checkin.flagged_at or now
        checkin.flag_reasons = sorted(set(checkin.flag_reasons or []) | set(reasons))
    try:
        db.session.commit()
    except IntegrityError:
        # Another request created this day's row a moment ago: this one becomes an edit.
        db.session.rollback()
        return save_checkin(client, day, answers, now)
    return checkin, newly_flagged


def mark_reviewed(checkin: CheckIn, reviewer, action: str, note: str, now: datetime) -> None:
    """Record what a care-team member did about a flagged check-in, and write it to the audit
    log, so who reviewed which flag, and when, is on record beside every view."""
    checkin.reviewed_at = now
    checkin.reviewed_by_id = reviewer.id
    checkin.review_action = action
    checkin.review_note = note
    record_view(checkin.client, "checkin", checkin.id, actor=reviewer, action="review", at=now)


# --- Idempotency (portal/idempotency.py): one row per key; a replay gets the first answer; a
# changed body is refused. A check-in claims its key first, so a duplicate in flight gets 409.


@dataclass
class Claim:
    """What became of a key: "new" (ours to save), "replay", "conflict" or "in_flight"."""

    outcome: str
    submission: CheckInSubmission | None = None


def _judge(existing: CheckInSubmission, client_id: int, digest: str) -> Claim:
    if existing.client_id != client_id or existing.body_hash != digest:
        return Claim("conflict")
    if existing.checkin_id is None:
        return Claim("in_flight", existing)
    return Claim("replay", existing)


def look_up(key: str, client_id: int, digest: str, now: datetime) -> Claim | None:
    """Judge a key that was seen before, or return None for a fresh one."""
    existing = db.session.scalar(select(CheckInSubmission).where(CheckInSubmission.key == key))
    if existing is None:
        return None
    claim = _judge(existing, client_id, digest)
    if claim.outcome == "in_flight" and _take_over_stale(existing, now):
        return Claim("new", existing)
    return claim


def _take_over_stale(submission: CheckInSubmission, now: datetime) -> bool:
    """Take over a claim whose request died mid-way; only one retry can win the update."""
    result = db.session.execute(
        update(CheckInSubmission)
        .where(
            CheckInSubmission.id == submission.id,
            CheckInSubmission.checkin_id.is_(None),
            CheckInSubmission.created_at < now - STALE_CLAIM,
        )
        .values(created_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def claim_key(key: str, client_id: int, digest: str, now: datetime) -> Claim:
    """Write the key as "in flight" and commit at once, so a duplicate can see it; the unique
    constraint decides which of two simultaneous requests wins."""
    earlier = look_up(key, client_id, digest, now)
    if earlier is not None:
        return earlier
    submission = CheckInSubmission(key=key, client_id=client_id, body_hash=digest, created_at=now)
    db.session.add(submission)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return look_up(key, client_id, digest, now) or Claim("in_flight")
    return Claim("new", submission)


def finish_claim(submission: CheckInSubmission, checkin: CheckIn) -> None:
    """Record the answer a key got, so every replay gets the same one."""
    submission.checkin_id = checkin.id
    db.session.commit()


def release_claim(submission: CheckInSubmission) -> None:
    """Forget a claim whose save failed, so the phone's retry is not refused."""
    db.session.rollback()
    db.session.execute(delete(CheckInSubmission).where(CheckInSubmission.id == submission.id))
    db.session.commit()


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
