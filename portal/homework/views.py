"""Homework pages: the client's list and copy, draft saves and handing in; the care team's
assigning, completion at a glance, reading answers and feedback."""


from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import get_client_or_404, refuse, role_required
from ..audit.log import record_view
from ..extensions import db
from ..forms import CONTROL
from ..htmx import render
from ..idempotency import body_hash, request_key
from ..schedule.access import get_group_or_404
from ..timeutil import clinic_zone, utcnow
from . import rules
from .access import get_assignment_or_404, get_copy_or_404
from .forms import (
    MAX_ANSWER,
    REVISION,
    AssignForm,
    DraftForm,
    FeedbackForm,
    parse_questions,
    parse_resources,
)
from .markdown import render_markdown
from .models import HomeworkCopy, HomeworkQuestion

bp = Blueprint("homework", __name__)
bp.add_app_template_filter(render_markdown, "markdown")


@bp.app_template_global()
def homework_state(copy) -> str:
    """Say where a copy stands now (overdue, due_soon, open, handed_in, done, reviewed)."""
    return rules.state(copy, utcnow())


@bp.app_template_global()
def homework_state_label(state: str) -> str:
    """Name a copy's state for a badge."""
    return str(rules.STATE_LABELS[state])


# --- The client


@bp.get("/homework")
@role_required("client")
def index():
    """List the client's homework: overdue, due, done."""
    return render("homework/index.html", lists=rules.sorted_for_client(current_user, utcnow()))


def _copy_page(copy, errors=None, texts=None, status=200, confirm_empty=False):
    answers = rules.answers_by_question(copy)
    return render(
        "homework/copy.html",
        copy=copy,
        assignment=copy.assignment,
        answers=answers,
        texts=texts
        or {q.id: a.text for q in copy.assignment.questions if (a := answers.get(q.id))},
        errors=errors or {},
        can_reopen=rules.can_reopen(copy),
        confirm_empty=confirm_empty,
        status=status,
    )


@bp.get("/homework/<int:copy_id>")
@role_required("client")
def copy(copy_id):
    """Show one piece of homework: instructions, links, questions, and any feedback."""
    item = get_copy_or_404(copy_id)
    response = _copy_page(item)
    # After drawing the page, so the notice shows this once.
    rules.mark_feedback_seen(item, now=utcnow())
    return response


def _question_or_404(item: HomeworkCopy, question_id: int) -> HomeworkQuestion:
    question = db.session.get(HomeworkQuestion, question_id)
    if question is None or question.assignment_id != item.assignment_id:
        refuse()
    return question


def _draft_answer(message: str, status: int):
    return render_template("homework/_draft_status.html", message=message), status


@bp.post("/homework/<int:copy_id>/questions/<int:question_id>/draft")
@role_required("client")
def draft(copy_id, question_id):
    """Save an answer typed so far, exactly once per key; an older draft never wins."""
    item = get_copy_or_404(copy_id)
    question = _question_or_404(item, question_id)
    owner = request.headers.get("X-Outbox-Owner")
    if owner is not None and owner != str(current_user.id):
        # Kept on this phone by someone who has since signed out: it waits for them.
        return _draft_answer(_("Please sign in as yourself."), 409)
    form = DraftForm()
    if not form.validate_on_submit():
        errors = [e for f in form for e in f.errors]
        return _draft_answer(str(errors[0]) if errors else _("Not saved."), 422)
    key = request_key(form.idempotency_key.data)
    if key is None:
        return _draft_answer(_("Please reload the page and try again."), 422)
    result = rules.save_draft(
        item,
        question,
        form.text.data,
        int(form.revision.data),
        key,
        body_hash(request.form),
        now=utcnow(),
    )
    if result.outcome == "conflict":
        return _draft_answer(_("This was sent before with other words. Please reload."), 422)
    if result.outcome == "closed":
        return _draft_answer(_("This is handed in. Open it again to change it."), 422)
    return _draft_answer(_("Draft saved."), 200)


def _answers_from_form(item: HomeworkCopy):
    """Read every answer and its revision from the hand-in form, with a message per question."""
    answers, texts, errors = {}, {}, {}
    for q in item.assignment.questions:
        if f"answer-{q.id}" not in request.form:
            continue  # a field not sent leaves its saved answer alone
        text = request.form[f"answer-{q.id}"].strip()
        revision = (request.form.get(f"revision-{q.id}") or "").strip()
        texts[q.id] = text
        if len(text) > MAX_ANSWER:
            errors[q.id] = _("Keep this under %(n)s characters.", n=MAX_ANSWER)
        elif CONTROL.search(text):
            errors[q.id] = _("Remove the unusual characters.")
        answers[q.id] = (text, int(revision) if REVISION.match(revision) else None)
    return answers, texts, errors


@bp.post("/homework/<int:copy_id>/hand-in")
@role_required("client")
def hand_in(copy_id):
    """Save the last answers and hand the homework in, or mark it done."""
    item = get_copy_or_404(copy_id)
    if not item.is_open:
        flash(_("This is already handed in."))
        return redirect(url_for("homework.copy", copy_id=item.id), 303)
    answers, texts, errors = _answers_from_form(item)
    if errors:
        return _copy_page(item, errors, texts, 422)
    if rules.nothing_written(item, answers) and request.form.get("empty_ok") != "1":
        # Ask before handing in blank answers: a tap on the wrong button is easy on a phone.
        return _copy_page(item, texts=texts, status=422, confirm_empty=True)
    action = "hand_in" if item.assignment.questions else "done"
    if not rules.hand_in(item, answers, action, now=utcnow()):
        flash(_("This is already handed in."))
    elif action == "hand_in":
        flash(_("Handed in. Your counselor will read it and may leave feedback here."))
    else:
        flash(_("Marked as done. Well done."))
    return redirect(url_for("homework.copy", copy_id=item.id), 303)


@bp.post("/homework/<int:copy_id>/reopen")
@role_required("client")
def reopen(copy_id):
    """Open handed-in homework again for changes, until the counselor has reviewed it."""
    item = get_copy_or_404(copy_id)
    if rules.reopen(item):
        flash(_("Open again. Hand it in when you are ready."))
    else:
        flash(_("This can no longer be changed."))
    return redirect(url_for("homework.copy", copy_id=item.id), 303)


# --- The care team


def _assign_page(form, person=None, group=None, status=200):
    return render("homework/assign.html", form=form, person=person, group=group, status=status)


def _assign(form, person=None, group=None):
    """Validate and save an assignment for a client or a group, or show the form again."""
    if not form.validate_on_submit():
        return _assign_page(form, person, group, 422 if form.is_submitted() else 200)
    now = utcnow()
    next_session = None
    if form.due_kind.data == "next_group":
        next_session = (
            rules.next_session_for_group(group, now)
            if group
            else rules.next_session_for_client(person, now)
        )
        if next_session is None:
            form.due_kind.errors = [_("There is no group session coming up. Choose a date.")]
            return _assign_page(form, person, group, 422)
    due_at = form.due_at(clinic_zone())
    if next_session is None and due_at is not None and due_at <= now:
        form.due_date.errors = [_("Choose a time that has not passed yet.")]
        return _assign_page(form, person, group, 422)
    assignment = rules.assign(
        current_user,
        form.title.data,
        form.instructions.data,
        due_at,
        client=person,
        group=group,
        resources=parse_resources(form.resources.data),
        questions=parse_questions(form.questions.data),
        next_session=next_session,
        now=now,
    )
    flash(_("Homework assigned."))
    return redirect(url_for("homework.assignment", assignment_id=assignment.id), 303)


@bp.get("/care/clients/<int:client_id>/homework")
@role_required("staff")
def care_client(client_id):
    """List one client's homework for the care team, with where each piece stands."""
    person = get_client_or_404(client_id)
    record_view(person, "homework")
    return render("homework/care_client.html", person=person, copies=rules.copies_of(person))


@bp.route("/care/clients/<int:client_id>/homework/new", methods=["GET", "POST"])
@role_required("staff")
def assign_client(client_id):
    """Assign homework to one client."""
    return _assign(AssignForm(), person=get_client_or_404(client_id))


@bp.route("/care/groups/<int:group_id>/homework/new", methods=["GET", "POST"])
@role_required("staff")
def assign_group(group_id):
    """Assign homework to everyone in a group; each member gets a copy of their own."""
    return _assign(AssignForm(), group=get_group_or_404(group_id))


@bp.get("/care/homework/<int:assignment_id>")
@role_required("staff")
def assignment(assignment_id):
    """Show an assignment and, at a glance, where each client it went to stands."""
    item = get_assignment_or_404(assignment_id)
    copies = sorted(item.copies, key=lambda c: c.client.name)
    return render(
        "homework/assignment.html",
        assignment=item,
        copies=copies,
        counts=rules.completion(item),
    )


def _care_copy_page(item: HomeworkCopy, form, status=200):
    record_view(item.client, "homework.copy", item.id)
    return render(
        "homework/care_copy.html",
        copy=item,
        assignment=item.assignment,
        answers=rules.answers_by_question(item),
        form=form,
        can_review=rules.can_review(item),
        status=status,
    )


@bp.get("/care/homework/copies/<int:copy_id>")
@role_required("staff")
def care_copy(copy_id):
    """Show a client's answers to the care team; every read goes to the audit log."""
    item = get_copy_or_404(copy_id)
    form = FeedbackForm()
    form.feedback.data = item.feedback
    return _care_copy_page(item, form)


@bp.post("/care/homework/copies/<int:copy_id>/feedback")
@role_required("staff")
def feedback(copy_id):
    """Leave feedback on handed-in homework; it is then reviewed and the client is told."""
    item = get_copy_or_404(copy_id)
    form = FeedbackForm()
    if not rules.can_review(item):
        form.validate_on_submit()
        form.feedback.errors = [_("This has not been handed in yet.")]
        return _care_copy_page(item, form, 422)
    if not form.validate_on_submit():
        return _care_copy_page(item, form, 422)
    rules.leave_feedback(item, current_user, form.feedback.data, now=utcnow())
    flash(_("Feedback saved. The client will see it."))
    return redirect(url_for("homework.care_copy", copy_id=item.id), 303)

