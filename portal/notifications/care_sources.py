"""The care team's reminder sources: a flagged check-in (the counselor at once, everyone on
duty when it waits too long), a client's "I can't make it" or "running late", homework handed in.

Flags ignore quiet hours: a client in danger does not wait for a counselor's morning. The other
two wait for the end of quiet hours like any reminder, and each person can turn them off.
"""

from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select

from ..accounts.models import User
from ..checkins.escalation import escalation_at
from ..checkins.models import CheckIn
from ..extensions import db
from ..homework.models import HANDED_IN, HomeworkCopy
from ..schedule.models import AbsenceNotice
from ..timeutil import clinic_zone
from . import messages
from .reminders import Reminder, preferences_for, register_source, subscribed_people, waking_moment

REVIEW_USEFUL_FOR = timedelta(days=3)
NOTICE_USEFUL_FOR = timedelta(hours=12)


def _review_reminder(person, checkin: CheckIn, kind: str, due_at: datetime) -> Reminder:
    title, body = messages.review_text(person.locale)
    tag = messages.opaque_id(kind, str(checkin.id))
    return Reminder(
        user_id=person.id,
        kind=kind,
        object_ref=f"checkin:{checkin.id}",
        occurrence="1",
        due_at=due_at,
        not_after=checkin.flagged_at + REVIEW_USEFUL_FOR,
        topic=tag,
        urgency="high",
        payload=messages.build_payload(
            title, body, url_for("checkins.care_client", client_id=checkin.client_id), tag
        ),
    )


def _open_flags(now: datetime, *conditions):
    return db.session.execute(
        select(CheckIn, User.counselor_id)
        .join(User, User.id == CheckIn.client_id)
        .where(
            CheckIn.flagged_at.is_not(None),
            CheckIn.reviewed_at.is_(None),
            CheckIn.flagged_at > now - REVIEW_USEFUL_FOR,
            *conditions,
        )
    ).all()


def due_review_reminders(now: datetime) -> list[Reminder]:
    """Tell a flagged client's counselor at once, neutrally, that a check-in needs review; a
    client with no counselor (or one who left) is everyone's, so the whole team hears."""
    staff = {p.id: p for p in subscribed_people(("staff",))}
    wants = preferences_for(staff)
    active = set(db.session.scalars(select(User.id).where(User.role == "staff", User.active)))
    result = []
    for checkin, counselor_id in _open_flags(now):
        if counselor_id in active:
            recipients = [staff[counselor_id]] if counselor_id in staff else []
            recipients = [p for p in recipients if wants[p.id].flag_alerts]
        else:
            recipients = list(staff.values())
        for person in recipients:
            result.append(_review_reminder(person, checkin, "checkin_review", checkin.flagged_at))
    return result


def due_escalation_reminders(now: datetime) -> list[Reminder]:
    """Tell every care-team member on duty about a self-harm flag nobody reviewed in time.

    The time is FLAG_ESCALATE_MINUTES of clinic hours after the flag (checkins/escalation.py),
    so it always falls while the clinic is open: everyone active on the team is on duty then.
    Once the flag is reviewed this source stops returning it and the dispatcher withdraws what
    was still queued.
    """
    config, zone = current_app.config, clinic_zone()
    staff = subscribed_people(("staff",))
    result = []
    for checkin, _counselor_id in _open_flags(now, CheckIn.self_harm):
        due = escalation_at(
            checkin.flagged_at, config["FLAG_ESCALATE_MINUTES"], config["CLINIC_HOURS"], zone
        )
        if due is None:
            continue
        result.extend(_review_reminder(p, checkin, "checkin_escalation", due) for p in staff)
    return result


def _counselors_wanting(switch: str) -> dict[int, tuple]:
    """Return {counselor id: (person, preferences)} for those with a device and the switch on."""
    staff = {p.id: p for p in subscribed_people(("staff",))}
    prefs = preferences_for(staff)
    return {i: (p, prefs[i]) for i, p in staff.items() if getattr(prefs[i], switch)}


def _counselor_reminder(person, prefs, kind, ref, due_at, not_after, text, url, now):
    moment = waking_moment(due_at, not_after, now, prefs, clinic_zone())
    if moment is None:
        return None
    tag = messages.opaque_id(kind, ref)
    return Reminder(
        user_id=person.id,
        kind=kind,
        object_ref=ref,
        occurrence="1",
        due_at=moment,
        not_after=not_after,
        topic=tag,
        payload=messages.build_payload(*text, url, tag),
    )


def due_notice_reminders(now: datetime) -> list[Reminder]:
    """Tell a client's counselor of a new "I can't make it" or "running late", until seen."""
    wanting = _counselors_wanting("notice_alerts")
    rows = db.session.execute(
        select(AbsenceNotice, User.counselor_id)
        .join(User, User.id == AbsenceNotice.person_id)
        .where(
            AbsenceNotice.seen_at.is_(None),
            AbsenceNotice.created_at > now - NOTICE_USEFUL_FOR,
            User.counselor_id.in_(list(wanting)),
        )
    )
    result = []
    for notice, counselor_id in rows:
        person, prefs = wanting[counselor_id]
        url = url_for("schedule_care.notices")
        text = messages.notice_text(person.locale)
        ref, until = f"notice:{notice.id}", notice.created_at + NOTICE_USEFUL_FOR
        item = _counselor_reminder(
            person, prefs, "client_notice", ref, notice.created_at, until, text, url, now
        )
        result += [item] if item else []
    return result


def due_handed_in_reminders(now: datetime) -> list[Reminder]:
    """Tell a client's counselor that homework was handed in, for those who asked."""
    wanting = _counselors_wanting("handed_in_alerts")
    rows = db.session.execute(
        select(HomeworkCopy, User.counselor_id)
        .join(User, User.id == HomeworkCopy.client_id)
        .where(
            HomeworkCopy.status == HANDED_IN,
            HomeworkCopy.handed_in_at > now - REVIEW_USEFUL_FOR,
            User.counselor_id.in_(list(wanting)),
        )
    )
    result = []
    for copy, counselor_id in rows:
        person, prefs = wanting[counselor_id]
        url = url_for("homework.care_copy", copy_id=copy.id)
        text = messages.handed_in_text(person.locale)
        ref, until = f"homework:{copy.id}", copy.handed_in_at + REVIEW_USEFUL_FOR
        item = _counselor_reminder(
            person, prefs, "handed_in", ref, copy.handed_in_at, until, text, url, now
        )
        result += [item] if item else []
    return result


def register_care_team_sources() -> None:
    register_source("reviews", ("checkin_review",), due_review_reminders)
    register_source("escalations", ("checkin_escalation",), due_escalation_reminders)
    register_source("notices", ("client_notice",), due_notice_reminders)
    register_source("handed_in", ("handed_in",), due_handed_in_reminders)
