"""Homework: group fan-out, "before the next group session", states, reopening, idempotent
drafts, sanitized instructions, feedback, the care team's reads in the audit log, reminders."""

import threading
from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.homework import rules
from portal.homework.markdown import render_markdown, sanitize
from portal.homework.models import (
    HomeworkAnswer,
    HomeworkAssignment,
    HomeworkCopy,
)
from portal.idempotency import IdempotencyKey
from portal.notifications.models import PushSubscription
from portal.notifications.sources import due_homework_reminders
from portal.schedule.models import Enrollment, Group, SessionSeries
from portal.schedule.occurrences import expand
from portal.schedule.rules import cancel_occurrence, move_occurrence
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import csrf_token, make_user, post, sign_in

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")


def _group_with(app, *clients, weekdays="0,1,2,3,4,5,6") -> tuple[int, int]:
    """Make a group with a daily 18:00 session series and enroll these clients."""
    with app.app_context():
        start = utcnow().date() - timedelta(days=7)
        group = Group(name="Evening")
        db.session.add(group)
        db.session.flush()
        for c in clients:
            db.session.add(Enrollment(client_id=c.id, group_id=group.id, start_date=start))
        series = SessionSeries(
            kind="group",
            group_id=group.id,
            timezone=str(clinic_zone()),
            start_date=start,
            start_time=time(18),
            duration_minutes=120,
            weekdays=weekdays,
        )
        db.session.add(series)
        db.session.commit()
        return group.id, series.id


def _switch(client, email: str) -> None:
    """Sign out whoever is signed in, then sign in as someone else."""
    post(client, "/logout")
    assert sign_in(client, email).status_code == 302


def _assign(app, staff, **kwargs) -> int:
    with app.app_context():
        kwargs.setdefault("questions", ["What happened?"])
        due = kwargs.pop("due", utcnow() + timedelta(days=3))
        if "client" in kwargs:
            kwargs["client"] = db.session.get(User, kwargs["client"].id)
        if "group_id" in kwargs:
            kwargs["group"] = db.session.get(Group, kwargs.pop("group_id"))
        kwargs.setdefault("now", utcnow())
        a = rules.assign(db.session.get(User, staff.id), "Worksheet", "Do it.", due, **kwargs)
        return a.id


def _copy_of(assignment_id: int, client_id: int) -> HomeworkCopy:
    return db.session.scalar(
        select(HomeworkCopy).where(
            HomeworkCopy.assignment_id == assignment_id, HomeworkCopy.client_id == client_id
        )
    )


# --- Rules


def test_a_group_assignment_fans_out_to_its_members_at_that_time(app):
    staff = make_user(app, "staff")
    a, b, outsider = (make_user(app, "client", f"c{i}@example.org") for i in range(3))
    group_id, _ = _group_with(app, a, b)
    assignment_id = _assign(app, staff, group_id=group_id)
    late = make_user(app, "client", "late@example.org")
    with app.app_context():
        db.session.add(Enrollment(client_id=late.id, group_id=group_id, start_date=utcnow().date()))
        db.session.commit()
        copies = db.session.scalars(
            select(HomeworkCopy).where(HomeworkCopy.assignment_id == assignment_id)
        ).all()
        assert sorted(c.client_id for c in copies) == sorted([a.id, b.id])
        assert all(c.status == "assigned" for c in copies)
        assert outsider.id not in {c.client_id for c in copies}


def test_before_the_next_group_session_skips_a_cancelled_one_and_follows_a_moved_one(app):
    staff = make_user(app, "staff")
    client = make_user(app, "client")
    group_id, series_id = _group_with(app, client)
    with app.app_context():
        now = utcnow()
        series = db.session.get(SessionSeries, series_id)
        group = db.session.get(Group, group_id)
        upcoming = [
            o
            for o in expand([series], now, now + timedelta(days=5), clinic_zone())
            if o.start > now
        ]
        first, second, third = upcoming[:3]
        found = rules.next_session_for_group(group, now)
        assert (found.start, found.key) == (first.start, first.key)
        # The client's own series give the same answer.
        assert rules.next_session_for_client(db.session.get(User, client.id), now).key == first.key

        cancel_occurrence(first, db.session.get(User, staff.id), now=utcnow())
        found = rules.next_session_for_group(group, now)
        assert found.key == second.key and found.start == second.start

        moved_to = second.start + timedelta(hours=2)
        move_occurrence(
            second,
            moved_to,
            moved_to + timedelta(hours=2),
            db.session.get(User, staff.id),
            now=utcnow(),
        )
        found = rules.next_session_for_group(group, now)
        assert found.key == second.key  # still that occurrence, by its original start
        assert found.start == moved_to
        assert found.start != third.start

        assignment = rules.assign(
            db.session.get(User, staff.id),
            "Bring a trigger",
            "",
            None,
            group=group,
            next_session=found,
            now=now,
        )
        assert assignment.due_at == moved_to
        assert assignment.due_kind == "next_group"
        assert (assignment.due_series_id, assignment.due_occurrence_key) == (series_id, second.key)


def test_no_next_group_session_without_a_group(app):
    client = make_user(app, "client")
    with app.app_context():
        assert rules.next_session_for_client(db.session.get(User, client.id), utcnow()) is None


def test_states_overdue_due_soon_open_and_done(app):
    staff, client = make_user(app, "staff"), make_user(app, "client")
    due = utcnow() + timedelta(days=5)
    assignment_id = _assign(app, staff, client=client, due=due)
    with app.app_context():
        copy = _copy_of(assignment_id, client.id)
        assert rules.state(copy, due - timedelta(days=4)) == "open"
        assert rules.state(copy, due - timedelta(days=1)) == "due_soon"
        assert rules.state(copy, due) == "overdue"
        assert rules.state(copy, due + timedelta(days=9)) == "overdue"
        rules.hand_in(copy, {}, "hand_in", now=utcnow())
        assert rules.state(copy, due + timedelta(days=9)) == "handed_in"
        lists = rules.sorted_for_client(db.session.get(User, client.id), due + timedelta(days=1))
        assert [c.id for c in lists["done"]] == [copy.id] and not lists["overdue"]


def test_it_can_be_reopened_until_reviewed(app):
    staff, client = make_user(app, "staff"), make_user(app, "client")
    assignment_id = _assign(app, staff, client=client)
    with app.app_context():
        copy = _copy_of(assignment_id, client.id)
        assert not rules.reopen(copy)  # nothing to reopen yet
        rules.hand_in(copy, {}, "hand_in", now=utcnow())
        assert rules.reopen(copy)
        assert copy.status == "assigned" and copy.handed_in_at is None
        rules.hand_in(copy, {}, "hand_in", now=utcnow())
        rules.leave_feedback(copy, db.session.get(User, staff.id), "Good work.", now=utcnow())
        assert copy.status == "reviewed"
        assert not rules.reopen(copy)
        assert copy.status == "reviewed"


def test_reminders_due_soon_and_overdue_with_neutral_text_and_stable_keys(app):
    """The live source (notifications/sources.py): a day before, and the morning after."""
    staff, client = make_user(app, "staff"), make_user(app, "client")
    now = datetime(2030, 3, 1, 12, tzinfo=UTC)
    soon = _assign(app, staff, client=client, due=now + timedelta(hours=20), now=now)
    late = _assign(app, staff, client=client, due=now - timedelta(hours=1), now=now)
    done = _assign(app, staff, client=client, due=now - timedelta(hours=2), now=now)
    with app.app_context(), app.test_request_context():
        db.session.add(
            PushSubscription(
                user_id=client.id, endpoint="https://push.example/1", p256dh="k", auth="a"
            )
        )
        rules.hand_in(_copy_of(done, client.id), {}, "done", now=now)
        found = {(r.object_ref, r.kind): r for r in due_homework_reminders(now)}
        soon_copy, late_copy = _copy_of(soon, client.id), _copy_of(late, client.id)
        assert set(found) >= {
            (f"homework:{soon_copy.id}", "homework_due"),
            (f"homework:{late_copy.id}", "homework_overdue"),
        }
        assert not any(ref == f"homework:{_copy_of(done, client.id).id}" for ref, _k in found)
        assert all("Worksheet" not in r.payload for r in found.values())  # neutral text
        # The same moment asked again gives the same keys: the outbox sends each once.
        assert {r.key for r in due_homework_reminders(now)} == {r.key for r in found.values()}


# --- Drafts over HTTP: idempotent per key, never older over newer


@pytest.fixture
def worksheet(app, client):
    staff, person = make_user(app, "staff"), make_user(app, "client", "doer@example.org")
    assignment_id = _assign(app, staff, client=person, questions=["One?", "Two?"])
    with app.app_context():
        copy = _copy_of(assignment_id, person.id)
        questions = [q.id for q in copy.assignment.questions]
        copy_id = copy.id
    sign_in(client, person.email)
    return copy_id, questions, staff


def _draft(client, copy_id, question_id, text, revision, key=None, token=None):
    return client.post(
        f"/homework/{copy_id}/questions/{question_id}/draft",
        data={"text": text, "revision": str(revision), "csrf_token": token or csrf_token(client)},
        headers={"Idempotency-Key": key or uuid4().hex},
    )


def _answer(copy_id, question_id) -> HomeworkAnswer | None:
    return db.session.scalar(
        select(HomeworkAnswer).where(
            HomeworkAnswer.copy_id == copy_id, HomeworkAnswer.question_id == question_id
        )
    )


def test_a_draft_replayed_is_saved_once(app, client, worksheet):
    copy_id, (q1, _), _ = worksheet
    key = uuid4().hex
    first = _draft(client, copy_id, q1, "I felt tense", 100, key)
    again = _draft(client, copy_id, q1, "I felt tense", 100, key)
    assert first.status_code == again.status_code == 200
    with app.app_context():
        assert _answer(copy_id, q1).text == "I felt tense"
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
        assert db.session.scalar(select(func.count()).select_from(HomeworkAnswer)) == 1


def test_an_older_draft_never_overwrites_a_newer_one(app, client, worksheet):
    copy_id, (q1, _), _ = worksheet
    assert _draft(client, copy_id, q1, "newer and longer", 200).status_code == 200
    assert _draft(client, copy_id, q1, "older", 150).status_code == 200
    assert _draft(client, copy_id, q1, "same revision", 200).status_code == 200
    with app.app_context():
        answer = _answer(copy_id, q1)
        assert (answer.text, answer.revision) == ("newer and longer", 200)


def test_the_same_key_with_other_words_is_refused(app, client, worksheet):
    copy_id, (q1, _), _ = worksheet
    key = uuid4().hex
    assert _draft(client, copy_id, q1, "first words", 100, key).status_code == 200
    response = _draft(client, copy_id, q1, "other words", 101, key)
    assert response.status_code == 422
    with app.app_context():
        assert _answer(copy_id, q1).text == "first words"


def test_a_bad_draft_is_refused_and_nothing_stored(app, client, worksheet):
    copy_id, (q1, _), _ = worksheet
    assert _draft(client, copy_id, q1, "x" * 10001, 1).status_code == 422
    assert _draft(client, copy_id, q1, "ok", "soon").status_code == 422
    assert _draft(client, copy_id, q1, "nul\x00", 2).status_code == 422
    assert _draft(client, copy_id, q1, "ok", 3, key="bad key!").status_code == 422
    with app.app_context():
        assert _answer(copy_id, q1) is None


def test_hand_in_keeps_the_newest_answers_and_later_drafts_are_refused(app, client, worksheet):
    copy_id, (q1, q2), _ = worksheet
    _draft(client, copy_id, q1, "draft", 100)
    response = post(
        client,
        f"/homework/{copy_id}/hand-in",
        {f"answer-{q1}": "final one", f"revision-{q1}": "300", f"answer-{q2}": "final two"},
    )
    assert response.status_code == 303
    # A draft from before the hand-in, arriving late from the outbox, changes nothing.
    assert _draft(client, copy_id, q1, "stale", 250).status_code == 200
    assert _draft(client, copy_id, q1, "after", 400).status_code == 422
    with app.app_context():
        copy = db.session.get(HomeworkCopy, copy_id)
        assert copy.status == "handed_in" and copy.handed_in_at is not None
        assert _answer(copy_id, q1).text == "final one"
        assert _answer(copy_id, q2).text == "final two"
    page = client.get(f"/homework/{copy_id}").get_data(as_text=True)
    assert "Open it again" in page
    assert post(client, f"/homework/{copy_id}/reopen").status_code == 303
    with app.app_context():
        assert db.session.get(HomeworkCopy, copy_id).status == "assigned"


def test_eight_hand_ins_at_once_hand_it_in_once(app, client, worksheet):
    """A double tap, a retry and the outbox at once: each gets an answer, none a 500."""
    copy_id, (q1, q2), _ = worksheet
    with app.app_context():
        email = db.session.get(HomeworkCopy, copy_id).client.email
    phones = [app.test_client() for _ in range(8)]
    tokens = []
    for phone in phones:
        assert sign_in(phone, email).status_code == 302
        tokens.append(csrf_token(phone, f"/homework/{copy_id}"))
    start, answers = threading.Barrier(len(phones)), []

    def hand_in(phone, token, n):
        start.wait()
        response = phone.post(
            f"/homework/{copy_id}/hand-in",
            data={"csrf_token": token, f"answer-{q1}": f"from phone {n}", f"answer-{q2}": "two"},
        )
        answers.append((response.status_code, response.headers.get("Location", "")))

    threads = [
        threading.Thread(target=hand_in, args=(phone, token, n))
        for n, (phone, token) in enumerate(zip(phones, tokens, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [status for status, _ in answers] == [303] * 8
    flashes = []
    for phone in phones:
        page = phone.get(f"/homework/{copy_id}").get_data(as_text=True)
        flashes.append("Handed in. Your counselor will read it" in page)
    assert flashes.count(True) == 1  # the others are told it is already handed in
    with app.app_context():
        copy = db.session.get(HomeworkCopy, copy_id)
        assert copy.status == "handed_in"
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(HomeworkAnswer)
                .where(HomeworkAnswer.copy_id == copy_id)
            )
            == 2
        )
        assert _answer(copy_id, q1).text.startswith("from phone ")


def test_a_too_long_answer_at_hand_in_is_shown_by_its_question(app, client, worksheet):
    copy_id, (q1, _), _ = worksheet
    response = post(client, f"/homework/{copy_id}/hand-in", {f"answer-{q1}": "x" * 10001})
    assert response.status_code == 422
    assert f'id="answer-{q1}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(HomeworkCopy, copy_id).status == "assigned"
        assert _answer(copy_id, q1) is None


def test_handing_in_with_no_answers_asks_first_and_stores_nothing(app, client, worksheet):
    copy_id, (q1, q2), _ = worksheet
    blank = {f"answer-{q1}": "  ", f"answer-{q2}": ""}
    asked = post(client, f"/homework/{copy_id}/hand-in", blank)
    assert asked.status_code == 422
    html = asked.get_data(as_text=True)
    assert "You have not written any answers yet. Hand it in anyway?" in html
    assert 'name="empty_ok" value="1"' in html
    with app.app_context():
        assert db.session.get(HomeworkCopy, copy_id).handed_in_at is None
    # A saved draft is an answer: no question then.
    _draft(client, copy_id, q2, "from the train", 100)
    assert post(client, f"/homework/{copy_id}/hand-in", {f"answer-{q1}": ""}).status_code == 303
    with app.app_context():
        assert db.session.get(HomeworkCopy, copy_id).status == "handed_in"


def test_handing_in_blank_after_saying_yes(app, client, worksheet):
    copy_id, (q1, _q2), _ = worksheet
    done = post(client, f"/homework/{copy_id}/hand-in", {f"answer-{q1}": "", "empty_ok": "1"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Handed in. Your counselor will read it and may leave feedback here." in page
    with app.app_context():
        assert db.session.get(HomeworkCopy, copy_id).status == "handed_in"


def test_homework_without_questions_is_marked_done(app, client):
    staff, person = make_user(app, "staff"), make_user(app, "client")
    assignment_id = _assign(app, staff, client=person, questions=[])
    sign_in(client, person.email)
    with app.app_context():
        copy_id = _copy_of(assignment_id, person.id).id
    assert "Mark as done" in client.get(f"/homework/{copy_id}").get_data(as_text=True)
    assert post(client, f"/homework/{copy_id}/hand-in").status_code == 303
    with app.app_context():
        assert db.session.get(HomeworkCopy, copy_id).status == "done"


# --- Sanitizing


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<svg onload="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_nothing_in_instructions_can_run(source):
    for html in (str(render_markdown(source)), sanitize(source)):
        lowered = html.lower()
        assert "<script" not in lowered and "alert(1)</script" not in lowered
        assert "<img" not in lowered and "<svg" not in lowered and "<iframe" not in lowered
        assert "onerror" not in lowered and "onclick" not in lowered and "onload" not in lowered
        assert 'href="javascript' not in lowered  # left as plain text at most


def test_markdown_links_get_rel_and_only_safe_schemes():
    html = str(render_markdown("[a](https://example.org) [m](mailto:x@example.org) [f](ftp://x)"))
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html
    assert 'href="mailto:x@example.org"' in html
    assert "ftp://" not in html.split(">f<")[0].rsplit("<a", 1)[-1] or 'href="ftp' not in html
    assert "<strong>b</strong>" in str(render_markdown("**b**"))


def test_a_script_in_instructions_never_reaches_the_clients_page(app, client):
    staff, person = make_user(app, "staff"), make_user(app, "client")
    sign_in(client, staff.email)
    response = post(
        client,
        f"/care/clients/{person.id}/homework/new",
        {
            "title": "Read this",
            "instructions": '<script>alert("x")</script>\n\n<img src=x onerror="alert(2)"> **Go**',
            "resources": "Video https://example.org/v",
            "due_kind": "at",
            "due_date": (utcnow() + timedelta(days=2)).date().isoformat(),
            "due_time": "18:00",
        },
    )
    assert response.status_code == 303
    _switch(client, person.email)
    with app.app_context():
        copy_id = db.session.scalar(
            select(HomeworkCopy.id).where(HomeworkCopy.client_id == person.id)
        )
    page = client.get(f"/homework/{copy_id}").get_data(as_text=True)
    assert "alert(" not in page and "onerror" not in page
    assert "<strong>Go</strong>" in page
    assert 'href="https://example.org/v"' in page


# --- The care team: assigning, reading, feedback


def _form(**changes):
    data = {
        "title": "Thought record",
        "instructions": "Fill it in.",
        "resources": "",
        "questions": "What happened?\nWhat did you think?",
        "due_kind": "at",
        "due_date": (utcnow() + timedelta(days=2)).date().isoformat(),
        "due_time": "18:00",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"resources": "Bad javascript:alert(1)"}, "resources"),
        ({"resources": "No link at all"}, "resources"),
        ({"due_date": ""}, "due_date"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({"due_kind": "whenever"}, "due_kind"),
        ({"due_kind": "next_group"}, "due_kind"),  # this client is in no group
        ({"questions": "\n".join(f"Q{i}" for i in range(21))}, "questions"),
    ],
)
def test_a_bad_assignment_is_refused_by_its_field_and_nothing_stored(app, client, changes, field):
    staff, person = make_user(app, "staff"), make_user(app, "client")
    sign_in(client, staff.email)
    response = post(client, f"/care/clients/{person.id}/homework/new", _form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HomeworkAssignment)) == 0


def test_assigning_to_a_group_before_its_next_session(app, client):
    staff = make_user(app, "staff")
    members = [make_user(app, "client", f"m{i}@example.org") for i in range(3)]
    group_id, _ = _group_with(app, *members)
    sign_in(client, staff.email)
    assert "Assign homework to the group" in client.get(f"/care/groups/{group_id}").get_data(
        as_text=True
    )
    response = post(
        client,
        f"/care/groups/{group_id}/homework/new",
        _form(due_kind="next_group", due_date="", due_time=""),
    )
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "0 of 3 handed in or done" in page
    with app.app_context():
        assignment = db.session.scalar(select(HomeworkAssignment))
        assert assignment.due_kind == "next_group" and assignment.due_at > utcnow()
        assert len(assignment.copies) == 3 and len(assignment.questions) == 2


def test_the_care_team_reads_answers_in_the_audit_log_and_leaves_feedback(app, client, worksheet):
    copy_id, (q1, _), staff = worksheet
    person_email = "doer@example.org"
    # Feedback before handing in is refused.
    _switch(client, staff.email)
    assert (
        post(client, f"/care/homework/copies/{copy_id}/feedback", {"feedback": "Hi"}).status_code
        == 422
    )
    _switch(client, person_email)
    post(client, f"/homework/{copy_id}/hand-in", {f"answer-{q1}": "my private answer"})
    _switch(client, staff.email)
    with app.app_context():
        db.session.execute(AuditEvent.__table__.delete())
        db.session.commit()
    page = client.get(f"/care/homework/copies/{copy_id}").get_data(as_text=True)
    assert "my private answer" in page
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.what == "homework.copy")
        ).all()
        assert [(e.object_id, e.actor_id) for e in events] == [(copy_id, staff.id)]
    assert (
        post(client, f"/care/homework/copies/{copy_id}/feedback", {"feedback": ""}).status_code
        == 422
    )
    response = post(
        client, f"/care/homework/copies/{copy_id}/feedback", {"feedback": "Thoughtful work."}
    )
    assert response.status_code == 303
    _switch(client, person_email)
    today = client.get("/today").get_data(as_text=True)
    assert "New feedback on" in today
    page = client.get(f"/homework/{copy_id}").get_data(as_text=True)
    assert "Thoughtful work." in page and "New: your counselor left feedback" in page
    assert "Open it again" not in page  # reviewed: no longer reopened
    assert "New feedback on" not in client.get("/today").get_data(as_text=True)
    assert "New: your counselor" not in client.get(f"/homework/{copy_id}").get_data(as_text=True)


def test_the_clients_lists_and_today(app, client):
    staff, person = make_user(app, "staff"), make_user(app, "client")
    now = utcnow()
    _assign(app, staff, client=person, due=now + timedelta(days=1))
    _assign(app, staff, client=person, due=now - timedelta(hours=3))
    far = _assign(app, staff, client=person, due=now + timedelta(days=10))
    sign_in(client, person.email)
    page = client.get("/homework").get_data(as_text=True)
    assert page.count("Worksheet") == 3 and "Overdue" in page
    today = client.get("/today").get_data(as_text=True)
    assert today.count("Worksheet") == 2  # due soon and overdue; not the one in ten days
    with app.app_context():
        assert _copy_of(far, person.id) is not None


def test_the_demo_has_two_open_and_one_done_with_feedback(app):
    from portal.demo import seed_demo

    with app.app_context():
        now = utcnow()
        people = seed_demo(now)
        seed_demo(now)  # a second run changes nothing
        client = people["client@example.org"]
        copies = rules.copies_of(client)
        states = sorted(rules.state(c, now) for c in copies if c.assignment.group_id is None)
        assert states == ["due_soon", "overdue", "reviewed"]
        reviewed = next(c for c in copies if c.status == "reviewed")
        assert reviewed.feedback and reviewed.new_feedback
        group_copies = [c for c in copies if c.assignment.group_id is not None]
        assert len(group_copies) == 1 and group_copies[0].assignment.due_kind == "next_group"
        assert db.session.scalar(select(func.count()).select_from(HomeworkAssignment)) == 4


def test_today_reads_homework_in_one_query_whatever_the_history(app, client):
    from tests.test_query_counts import counting

    # The page made afresh each time: a kept one (portal/page_cache.py) reads no homework at all.
    app.config["RENDERED_PAGE_CACHE_MB"] = 0
    staff, person = make_user(app, "staff"), make_user(app, "client")
    sign_in(client, person.email)

    def today_queries() -> int:
        client.get("/today")
        with counting(app) as statements:
            assert client.get("/today").status_code == 200
        return len(statements)

    before = today_queries()
    now = utcnow()
    for days in range(-30, 10):
        _assign(app, staff, client=person, due=now + timedelta(days=days), questions=[])
    assert today_queries() == before


def test_line_ends_are_kept_one_way_from_drafts_and_from_the_form(app, client, worksheet):
    copy_id, (q1, q2), _ = worksheet
    _draft(client, copy_id, q1, "one\r\ntwo", 5)
    post(client, f"/homework/{copy_id}/hand-in", {f"answer-{q2}": "three\r\nfour"})
    with app.app_context():
        assert _answer(copy_id, q1).text == "one\ntwo"
        assert _answer(copy_id, q2).text == "three\nfour"
