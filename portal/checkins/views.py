"""The client's daily check-in, its answer page and history; the care team's view of them."""

from datetime import date, timedelta
from uuid import uuid4

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import admin_required, get_client_or_404, refuse, role_required
from ..accounts.program import stage
from ..audit.log import record_view
from ..extensions import db
from ..htmx import render
from ..idempotency import body_hash, earlier, request_key
from ..timeutil import clinic_zone, utcnow
from .attention import severity_of, worst
from .escalation import is_open, next_opening
from .flags import after_flagged
from .forms import MOOD_LABELS, CheckInForm, ReviewForm, review_action_label
from .lists import care_rows, choice_labels, history_rows, label_of
from .models import CheckIn
from .report import flag_report as build_flag_report
from .rules import (
    CHECKIN_SCOPE,
    checkin_on,
    clinic_today,
    crisis_threshold,
    day_problem,
    mark_reviewed,
    needs_attention,
    streak,
    submit_checkin,
)
from .trends import trend_context

bp = Blueprint("checkins", __name__)
bp.add_app_template_filter(label_of, "choice_label")
bp.add_app_template_filter(severity_of, "severity")
bp.add_app_template_filter(worst, "worst")
bp.add_app_template_filter(review_action_label, "review_action_label")


def get_checkin_or_404(checkin_id: int) -> CheckIn:
    """Load a check-in for its client or the care team; anyone else gets 404."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or not current_user.is_authenticated:
        refuse()
    if not (current_user.is_staff or checkin.client_id == current_user.id):
        refuse()
    return checkin


def _form_page(form, existing, status: int, problem=None):
    return render(
        "checkins/today.html",
        form=form,
        existing=existing,
        problem=problem,
        threshold=crisis_threshold(),
        mood_labels=MOOD_LABELS,
        status=status,
        clinic_zone_name=current_app.config["CLINIC_TIMEZONE"],
        aftercare=not stage(current_user, now=utcnow()).in_program,
    )


@bp.route("/checkin", methods=["GET", "POST"])
@role_required("client")
def today():
    """Show today's check-in (filled in if it was made already) and save it."""
    form, day = CheckInForm(plan=current_user.recovery_plan), clinic_today(utcnow())
    if request.method == "POST":
        return _submit(form, day)
    existing = checkin_on(current_user.id, day)
    if existing:
        form.keep_past_choices(existing)
        form.fill_from(existing)
    form.day.data = day.isoformat()
    form.idempotency_key.data = uuid4().hex
    return _form_page(form, existing, 200)


def _refusal(status: int, title: str, message: str):
    return render("errors/error.html", status=status, code=status, title=title, message=message)


def _answer_earlier(result):
    """Answer a key seen before: the first answer again, or why not."""
    if result.outcome == "conflict":
        return _refusal(
            422,
            _("This was sent before with other answers"),
            _("Please reload the page and check in again."),
        )
    return redirect(url_for("checkins.show", checkin_id=result.result_id), 303)


def _submit(form, today: date):
    """Save a check-in exactly once per idempotency key, then show its answer page."""
    owner = request.headers.get("X-Outbox-Owner")
    if owner is not None and owner != str(current_user.id):
        # Kept on this phone by someone else who has since signed out; it waits for them.
        return _refusal(409, _("Not yours to send"), _("Please sign in as yourself."))
    key = request_key(form.idempotency_key.data)
    if key is None:
        return _refusal(422, _("Something in the request was not right"), _("Please reload."))
    digest, now = body_hash(request.form), utcnow()
    # A replay gets its first answer even when the form would no longer pass (a day gone by).
    seen = earlier(key, CHECKIN_SCOPE, current_user.id, digest)
    if seen is not None:
        return _answer_earlier(seen)
    if not form.validate_on_submit():
        return _form_page(form, checkin_on(current_user.id, today), 422)
    day = date.fromisoformat(form.day.data) if form.day.data else today
    existing = checkin_on(current_user.id, day)
    problem = day_problem(day, today, existing)
    if problem:
        return _form_page(form, existing, 422, problem)
    result, newly_flagged = submit_checkin(
        current_user, day, form.answers(), key, digest, now=now
    )
    if result.replay or result.outcome == "conflict":
        return _answer_earlier(result)
    if newly_flagged:
        after_flagged(db.session.get(CheckIn, result.result_id))
    return redirect(url_for("checkins.show", checkin_id=result.result_id), 303)


@bp.get("/checkins/<int:checkin_id>")
@role_required("client")
def show(checkin_id):
    """Thank the client for a check-in; show the crisis panel at once when it is flagged."""
    checkin, now = get_checkin_or_404(checkin_id), utcnow()
    hours, zone = current_app.config["CLINIC_HOURS"], clinic_zone()
    return render(
        "checkins/show.html",
        checkin=checkin,
        labels=choice_labels(),
        reasons=needs_attention(checkin, crisis_threshold()),
        editable=checkin.day == clinic_today(now),
        aftercare=checkin.client.is_client and not stage(checkin.client, now=now).in_program,
        clinic_open=is_open(now, hours, zone),
        opens_at=next_opening(now, hours, zone),
        after_hours_phone=current_app.config["AFTER_HOURS_PHONE"],
    )


@bp.get("/checkins")
@role_required("client")
def history():
    """List the client's check-ins by day, with their streak and the last 30 days' trend."""
    today = clinic_today(utcnow())
    rows = history_rows(current_user.id, today - timedelta(days=89))
    return render(
        "checkins/history.html",
        rows=rows,
        labels=choice_labels(),
        streak=streak({c.day for c in rows}, today),
        done_today=bool(rows) and rows[0].day == today,
        trend=trend_context(current_user, today),
    )


@bp.get("/care/checkins")
@role_required("staff")
def care_list():
    """List recent check-ins for the care team: flagged ones not yet reviewed on top."""
    return render("checkins/care_list.html", rows=care_rows(clinic_today(utcnow())))


@bp.get("/care/clients/<int:client_id>/checkins")
@role_required("staff")
def care_client(client_id):
    """Show one client's check-ins and trend to the care team; the view is audit-logged."""
    return _care_client_page(get_client_or_404(client_id), ReviewForm())


def _care_client_page(person, review_form, failed_id: int | None = None, status: int = 200):
    record_view(person, "checkins")
    today = clinic_today(utcnow())
    return render(
        "checkins/care_client.html",
        person=person,
        rows=history_rows(person.id, today - timedelta(days=89)),
        labels=choice_labels(),
        trend=trend_context(person, today),
        review_form=review_form,
        failed_id=failed_id,
        status=status,
    )


@bp.post("/care/checkins/<int:checkin_id>/review")
@role_required("staff")
def review(checkin_id):
    """Mark a flagged check-in reviewed, with a short note; who and when are recorded."""
    checkin = get_checkin_or_404(checkin_id)
    if not checkin.flagged:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _care_client_page(checkin.client, form, checkin.id, 422)
    mark_reviewed(checkin, current_user, form.action.data, form.note.data, utcnow())
    flash(_("Marked as reviewed."))
    return redirect(url_for("checkins.care_client", client_id=checkin.client_id))


@bp.get("/care/reports/flags")
@admin_required
def flag_report():
    """Show the clinical director this week's flags, the median time to review, and any that
    waited past the escalation time."""
    config = current_app.config
    report = build_flag_report(
        utcnow(), clinic_zone(), config["CLINIC_HOURS"], config["FLAG_ESCALATE_MINUTES"]
    )
    return render("checkins/flag_report.html", report=report)
