"""Homework's rules, without HTTP: assigning and fan-out, due dates, states, drafts.

Reminders of homework are the notifications feature's source (notifications/sources.py)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..idempotency import once
from ..schedule.models import Enrollment, SessionSeries
from ..schedule.occurrences import expand, series_for
from ..timeutil import clinic_zone
from .models import (
    DONE,
    HANDED_IN,
    OPEN,
    REVIEWED,
    HomeworkAnswer,
    HomeworkAssignment,
    HomeworkCopy,
    HomeworkQuestion,
    HomeworkResource,
)

DRAFT_SCOPE = "homework-draft"  # its keys' kind in idempotency_keys
DUE_SOON = timedelta(days=3)  # what Today and the Homework page call "due soon"
# How far ahead "before the next group session" looks; a group with nothing in this window
# has no next session to be due before.
NEXT_GROUP_HORIZON = timedelta(days=60)


# --- Due dates


@dataclass
class NextSession:
    """The group session homework is due before: when it starts, and which occurrence it is."""

    start: datetime
    series_id: int
    key: str


def next_group_session(series_list, now: datetime) -> NextSession | None:
    """Return the first group occurrence starting after now, past cancelled ones, at its moved
    time if it was moved."""
    groups = [s for s in series_list if s.kind == "group"]
    zone = clinic_zone()
    # Start the window a day early: a session moved later from yesterday may still be ahead.
    for o in expand(groups, now - timedelta(days=1), now + NEXT_GROUP_HORIZON, zone):
        if not o.cancelled and o.start > now:
            return NextSession(o.start, o.series.id, o.key)
    return None


def next_session_for_client(client, now: datetime) -> NextSession | None:
    """Return the next group session of the client's group."""
    return next_group_session(series_for(client), now)


def next_session_for_group(group, now: datetime) -> NextSession | None:
    """Return the next session of a group."""
    series = db.session.scalars(
        select(SessionSeries).where(SessionSeries.group_id == group.id)
    ).all()
    return next_group_session(series, now)


def group_members(group) -> list:
    """Return the clients enrolled in a group now."""
    from ..accounts.models import User

    return list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.client_id == User.id)
            .where(Enrollment.group_id == group.id)
            .order_by(User.name)
        )
    )


# --- Assigning


def assign(
    staff,
    title: str,
    instructions: str,
    due_at: datetime,
    *,
    client=None,
    group=None,
    resources=(),
    questions=(),
    next_session: NextSession | None = None,
    now: datetime,
) -> HomeworkAssignment:
    """Create an assignment and give every client it is for a copy of their own.

    A group's members are read now: someone who joins later has not been given this homework.
    """
    assignment = HomeworkAssignment(
        title=title,
        instructions=instructions,
        created_by_id=staff.id if staff else None,
        client_id=client.id if client else None,
        group_id=group.id if group else None,
        due_at=next_session.start if next_session else due_at,
        due_kind="next_group" if next_session else "at",
        due_series_id=next_session.series_id if next_session else None,
        due_occurrence_key=next_session.key if next_session else "",
        created_at=now,
    )
    assignment.resources = [
        HomeworkResource(position=i, title=t, url=u) for i, (t, u) in enumerate(resources)
    ]
    assignment.questions = [HomeworkQuestion(position=i, text=q) for i, q in enumerate(questions)]
    people = [client] if client else group_members(group)
    assignment.copies = [
        HomeworkCopy(client_id=p.id, created_at=assignment.created_at) for p in people
    ]
    db.session.add(assignment)
    db.session.commit()
    return assignment


# --- States


def state(copy: HomeworkCopy, now: datetime) -> str:
    """Say where a copy stands now: done, handed_in, reviewed, overdue, due_soon or open."""
    if not copy.is_open:
        return copy.status
    due = copy.assignment.due_at
    if now >= due:
        return "overdue"
    return "due_soon" if due - now <= DUE_SOON else "open"


STATE_LABELS = {
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "open": _l("To do"),
    HANDED_IN: _l("Handed in"),
    DONE: _l("Done"),
    REVIEWED: _l("Reviewed"),
}


def copies_of(client) -> list[HomeworkCopy]:
    """Return a client's copies, soonest due first."""
    return list(
        db.session.scalars(
            select(HomeworkCopy)
            .join(HomeworkAssignment)
            .options(contains_eager(HomeworkCopy.assignment))
            .where(HomeworkCopy.client_id == client.id)
            .order_by(HomeworkAssignment.due_at, HomeworkCopy.id)
        )
    )


def sorted_for_client(client, now: datetime) -> dict[str, list[HomeworkCopy]]:
    """Sort a client's homework into overdue, due (soonest first) and done (latest first)."""
    groups = {"overdue": [], "due": [], "done": []}
    for copy in copies_of(client):
        s = state(copy, now)
        groups["overdue" if s == "overdue" else "due" if copy.is_open else "done"].append(copy)
    groups["done"].reverse()
    return groups


def for_today(client, now: datetime) -> dict[str, list[HomeworkCopy]]:
    """Return Today's homework in one query: open and due within three days (or overdue), and
    reviewed with feedback not yet opened. Only these rows are read, however long the history."""
    rows = db.session.scalars(
        select(HomeworkCopy)
        .join(HomeworkAssignment)
        .options(contains_eager(HomeworkCopy.assignment))
        .where(
            HomeworkCopy.client_id == client.id,
            or_(
                and_(HomeworkCopy.status == OPEN, HomeworkAssignment.due_at <= now + DUE_SOON),
                and_(HomeworkCopy.status == REVIEWED, HomeworkCopy.feedback_seen_at.is_(None)),
            ),
        )
        .order_by(HomeworkAssignment.due_at, HomeworkCopy.id)
    ).all()
    return {"due": [c for c in rows if c.is_open], "feedback": [c for c in rows if c.new_feedback]}


# --- Doing it


def answers_by_question(copy: HomeworkCopy) -> dict[int, HomeworkAnswer]:
    """Return a copy's answers keyed by question id."""
    return {a.question_id: a for a in copy.answers}


def _answer_for(copy: HomeworkCopy, question_id: int) -> HomeworkAnswer:
    answer = answers_by_question(copy).get(question_id)
    if answer is None:
        answer = HomeworkAnswer(copy_id=copy.id, question_id=question_id, text="", revision=0)
        copy.answers.append(answer)
    return answer


def apply_answer(copy, question_id: int, text: str, revision: int | None, now: datetime) -> str:
    """Put one answer on the copy unless a newer one is there; say "saved" or "older".

    No revision (a browser without JavaScript) counts as newer than anything stored.
    """
    answer = _answer_for(copy, question_id)
    text = text.replace("\r\n", "\n")  # a form sends CRLF, the outbox LF: keep one kind
    if revision is None:
        revision = max(answer.revision + 1, int(now.timestamp() * 1000))
    if revision <= answer.revision:
        return "older"
    answer.text, answer.revision, answer.updated_at = text, revision, now
    return "saved"


DRAFT_STATUS = {"saved": 200, "older": 200, "closed": 422}


@dataclass
class DraftResult:
    """What a draft save came to: saved, older (a newer one was there), closed, or conflict."""

    outcome: str
    replay: bool = False


def save_draft(
    copy: HomeworkCopy,
    question: HomeworkQuestion,
    text: str,
    revision: int,
    key: str,
    digest: str,
    *,
    now: datetime,
) -> DraftResult:
    """Save a draft answer exactly once per key (portal/idempotency.py): a replay gets the
    first outcome again, and an older draft never overwrites a newer one."""

    def effect():
        if copy.is_open:
            outcome = apply_answer(copy, question.id, text, revision, now)
        else:
            # Handed in: a draft older than what was handed in was simply overtaken; a newer
            # one (typed elsewhere since) is refused, so the copy stays as handed in.
            stored = answers_by_question(copy).get(question.id)
            outcome = "older" if stored and revision <= stored.revision else "closed"
        db.session.flush()
        answer = answers_by_question(copy).get(question.id)
        return outcome, answer.id if answer else None

    result = once(key, DRAFT_SCOPE, copy.client_id, digest, effect, now=now)
    return DraftResult(result.outcome, replay=result.replay)


def hand_in(copy: HomeworkCopy, answers: dict, action: str, *, now: datetime) -> bool:
    """Save the last answers and hand the copy in ("hand_in") or mark it done ("done").

    Say whether this call handed it in. The copy is claimed with one conditional UPDATE before
    any answer is written, so of two hand-ins at once (a double tap, the outbox and the form)
    one wins and the other finds it handed in, instead of both inserting the same answers.
    """
    status = HANDED_IN if action == "hand_in" else DONE
    claimed = db.session.execute(
        update(HomeworkCopy)
        .where(HomeworkCopy.id == copy.id, HomeworkCopy.status == OPEN)
        .values(status=status, handed_in_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(copy)
        return False
    copy.status, copy.handed_in_at = status, now
    for question_id, (text, revision) in answers.items():
        apply_answer(copy, question_id, text, revision, now)
    try:
        db.session.commit()
    except IntegrityError:
        # A draft save of another tab created one of these answers meanwhile: go again on top.
        db.session.rollback()
        db.session.refresh(copy)
        return hand_in(copy, answers, action, now=now) if copy.is_open else False
    return True


def nothing_written(copy: HomeworkCopy, answers: dict) -> bool:
    """Say whether handing in now would hand in no answer at all (the form's text, else the
    saved draft). Homework with no questions is only marked done, so it never counts."""
    questions = copy.assignment.questions
    if not questions:
        return False
    saved = answers_by_question(copy)
    for q in questions:
        text = answers[q.id][0] if q.id in answers else getattr(saved.get(q.id), "text", "")
        if (text or "").strip():
            return False
    return True


def can_reopen(copy: HomeworkCopy) -> bool:
    """Handed-in or done homework can be opened again until the counselor has reviewed it."""
    return copy.status in (HANDED_IN, DONE) and copy.reviewed_at is None


def reopen(copy: HomeworkCopy) -> bool:
    """Open a copy again for changes; say whether it could be."""
    if not can_reopen(copy):
        return False
    copy.status, copy.handed_in_at = OPEN, None
    db.session.commit()
    return True


def can_review(copy: HomeworkCopy) -> bool:
    """Feedback follows handing in (or marking done); it can be changed afterwards."""
    return copy.status in (HANDED_IN, DONE, REVIEWED)


def leave_feedback(copy: HomeworkCopy, staff, feedback: str, *, now: datetime) -> None:
    """Record the counselor's feedback; the copy is reviewed and the client will be told."""
    copy.status = REVIEWED
    copy.feedback = feedback
    copy.reviewed_at = now
    copy.reviewed_by_id = staff.id
    copy.feedback_seen_at = None
    db.session.commit()


def mark_feedback_seen(copy: HomeworkCopy, *, now: datetime) -> None:
    """Note that the client has opened their feedback, so the notice goes away."""
    if copy.new_feedback:
        copy.feedback_seen_at = now
        db.session.commit()


def completion(assignment: HomeworkAssignment) -> dict[str, int]:
    """Count an assignment's copies by status, for the care team's at-a-glance view."""
    counts = {OPEN: 0, HANDED_IN: 0, DONE: 0, REVIEWED: 0}
    for copy in assignment.copies:
        counts[copy.status] = counts.get(copy.status, 0) + 1
    counts["total"] = len(assignment.copies)
    counts["finished"] = counts[HANDED_IN] + counts[DONE] + counts[REVIEWED]
    return counts


def group_homework(group) -> list[tuple[HomeworkAssignment, dict]]:
    """Give a group's page its homework with completion counts, newest first."""
    rows = db.session.scalars(
        select(HomeworkAssignment)
        .where(HomeworkAssignment.group_id == group.id)
        .order_by(HomeworkAssignment.created_at.desc())
        .limit(20)
    )
    return [(a, completion(a)) for a in rows]
