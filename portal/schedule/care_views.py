"""The care team's schedule: groups, booking, enrollment, one occurrence, attendance, notices."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import get_client_or_404, role_required
from ..accounts.models import User
from ..audit.log import record_view
from ..checkins.trends import trend_context
from ..extensions import db
from ..htmx import render
from ..timeutil import clinic_zone, utcnow
from .access import get_group_or_404, get_notice_or_404, get_series_or_404
from .access import get_occurrence_or_404 as _get_occurrence
from .booking import (
    enroll,
    family_choices,
    fill_series,
    new_series_form,
    recent_and_upcoming,
    save_series,
    series_form_for,
    unseen_notices,
)
from .forms import CancelForm, EnrollmentForm, GroupForm, MoveForm
from .models import ATTENDANCE, AbsenceNotice, Enrollment, Group, SessionSeries
from .occurrences import occurrences_for
from .progress import progress_for
from .rules import (
    attendance_for,
    cancel_occurrence,
    move_occurrence,
    record_attendance,
    restore_occurrence,
    roster,
)
from .sections import group_sections

bp = Blueprint("schedule_care", __name__, url_prefix="/care")


@bp.get("/sessions")
@role_required("staff")
def sessions():
    """List sessions from today on, then the last week's behind a toggle, for rosters and
    changes: a counselor opening this page wants today's first."""
    now, zone = utcnow(), clinic_zone()
    today = now.astimezone(zone).date()
    items = recent_and_upcoming(now, zone, current_user)
    return render(
        "schedule/care/sessions.html",
        days=[o for o in items if o.start.astimezone(zone).date() >= today],
        past=[o for o in items if o.start.astimezone(zone).date() < today][::-1],
    )


@bp.route("/groups", methods=["GET", "POST"])
@role_required("staff")
def groups():
    """List the groups and add one."""
    form = GroupForm()
    if form.validate_on_submit():
        group = Group(name=form.name.data)
        db.session.add(group)
        db.session.commit()
        return redirect(url_for("schedule_care.group", group_id=group.id))
    rows = db.session.scalars(select(Group).order_by(Group.name)).all()
    return render(
        "schedule/care/groups.html",
        groups=rows,
        form=form,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/groups/<int:group_id>")
@role_required("staff")
def group(group_id):
    """Show a group: its members and its schedules."""
    item = get_group_or_404(group_id)
    members = db.session.scalars(
        select(User)
        .join(Enrollment, Enrollment.client_id == User.id)
        .where(Enrollment.group_id == item.id)
        .order_by(User.name)
    ).all()
    return render(
        "schedule/care/group.html", group=item, members=members, sections=group_sections(item)
    )



@bp.route("/groups/<int:group_id>/series/new", methods=["GET", "POST"])
@role_required("staff")
def new_group_series(group_id):
    """Add a recurring schedule to a group."""
    item = get_group_or_404(group_id)
    form = new_series_form(kind="group")
    if form.validate_on_submit():
        save_series(fill_series(SessionSeries(group_id=item.id), form))
        flash(_("Schedule saved."))
        return redirect(url_for("schedule_care.group", group_id=item.id))
    return render(
        "schedule/care/series_form.html",
        form=form,
        group=item,
        client=None,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/clients/<int:client_id>/sessions/new", methods=["GET", "POST"])
@role_required("staff")
def new_client_series(client_id):
    """Book an individual, family or other session for a client, once or repeating."""
    client = get_client_or_404(client_id)
    form = new_series_form(kind="individual", family=family_choices(client, utcnow()))
    if form.validate_on_submit():
        series = save_series(
            fill_series(SessionSeries(client_id=client.id), form), family_ids=form.family_ids.data
        )
        flash(_("Session booked."))
        return redirect(
            url_for(
                "schedule_care.client_progress", client_id=client.id, _anchor=f"series-{series.id}"
            )
        )
    return render(
        "schedule/care/series_form.html",
        form=form,
        group=None,
        client=client,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
@role_required("staff")
def edit_series(series_id):
    """Change a whole series (time, days, place, end date)."""
    series = get_series_or_404(series_id)
    form = series_form_for(series, utcnow())
    if form.validate_on_submit():
        save_series(fill_series(series, form), family_ids=form.family_ids.data)
        flash(_("Saved."))
        if series.group_id:
            return redirect(url_for("schedule_care.group", group_id=series.group_id))
        return redirect(url_for("schedule_care.client_progress", client_id=series.client_id))
    return render(
        "schedule/care/series_form.html",
        form=form,
        group=series.group,
        client=series.client,
        series=series,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/clients/<int:client_id>/enrollment", methods=["GET", "POST"])
@role_required("staff")
def enrollment(client_id):
    """Set a client's program start, length, phase, hours, absence rule and group."""
    client = get_client_or_404(client_id)
    current = db.session.scalar(select(Enrollment).where(Enrollment.client_id == client.id))
    form = EnrollmentForm(obj=current)
    form.group_id.choices = [(0, _("No group"))] + [
        (g.id, g.name) for g in db.session.scalars(select(Group).order_by(Group.name))
    ]
    if request.method == "GET" and current:
        form.required_hours.data = current.required_minutes_per_week // 60
        form.group_id.data = current.group_id or 0
    if form.validate_on_submit():
        enroll(client, form)
        flash(_("Saved."))
        return redirect(url_for("schedule_care.client_progress", client_id=client.id))
    return render(
        "schedule/care/enrollment.html",
        form=form,
        client=client,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/clients/<int:client_id>/progress")
@role_required("staff")
def client_progress(client_id):
    """Show a client's progress and sessions to the care team (written to the audit log)."""
    client = get_client_or_404(client_id)
    record_view(client, "schedule.progress")
    zone, now = clinic_zone(), utcnow()
    items = occurrences_for(client, now - timedelta(days=28), now + timedelta(days=28), zone)
    own = db.session.scalars(
        select(SessionSeries)
        .where(SessionSeries.client_id == client.id)
        .order_by(SessionSeries.start_date)
    ).all()
    return render(
        "schedule/care/client_progress.html",
        client=client,
        now=now,
        items=items,
        progress=progress_for(client, now, zone),
        trend=trend_context(client, now.astimezone(zone).date()),
        own_series=own,
    )


def get_occurrence_or_404(series_id, key):
    """Load an occurrence for the care team (anyone else gets 404)."""
    get_series_or_404(series_id)
    return _get_occurrence(series_id, key)


@bp.get("/sessions/<int:series_id>/<key>")
@role_required("staff")
def occurrence(series_id, key):
    """Show one occurrence with its roster, and the forms to cancel or move it."""
    item = get_occurrence_or_404(series_id, key)
    return render(
        "schedule/care/occurrence.html",
        item=item,
        now=utcnow(),
        cancel_form=CancelForm(),
        move_form=_move_form(item),
        notices=_notices_for(item),
    )


def _move_form(item, formdata=None):
    form = MoveForm() if formdata else MoveForm(formdata=None)
    if not formdata:
        start = item.start.astimezone(ZoneInfo(item.series.timezone))
        form.date.data = start.date()
        form.start_time.data = start.time().replace(tzinfo=None)
        form.duration_minutes.data = int((item.end - item.start).total_seconds() // 60)
    return form


def _notices_for(item):
    return db.session.scalars(
        select(AbsenceNotice).where(
            AbsenceNotice.series_id == item.series.id,
            AbsenceNotice.occurrence_start == item.original_start,
        )
    ).all()


@bp.post("/sessions/<int:series_id>/<key>/cancel")
@role_required("staff")
def cancel(series_id, key):
    """Cancel one occurrence."""
    item = get_occurrence_or_404(series_id, key)
    form = CancelForm()
    if form.validate_on_submit():
        cancel_occurrence(
            item, current_user, form.note.data, form.family_note.data, now=utcnow()
        )
        flash(_("Cancelled. Clients see it in their calendar now."))
        return redirect(url_for("schedule_care.occurrence", series_id=series_id, key=key))
    return render(
        "schedule/care/occurrence.html",
        item=item,
        now=utcnow(),
        cancel_form=form,
        move_form=_move_form(item),
        notices=_notices_for(item),
        status=422,
    )


@bp.post("/sessions/<int:series_id>/<key>/restore")
@role_required("staff")
def restore(series_id, key):
    """Undo a cancel or a move."""
    restore_occurrence(get_occurrence_or_404(series_id, key), current_user, now=utcnow())
    flash(_("Back to its usual time."))
    return redirect(url_for("schedule_care.occurrence", series_id=series_id, key=key))


@bp.post("/sessions/<int:series_id>/<key>/move")
@role_required("staff")
def move(series_id, key):
    """Move one occurrence to another date or time."""
    item = get_occurrence_or_404(series_id, key)
    form = _move_form(item, formdata=True)
    if form.validate_on_submit():
        # Read in the series' own zone, the one its times are shown and exported in.
        zone = ZoneInfo(item.series.timezone)
        start = datetime.combine(form.date.data, form.start_time.data, tzinfo=zone)
        end = start + timedelta(minutes=form.duration_minutes.data)
        move_occurrence(
            item, start, end, current_user, form.note.data, form.family_note.data, now=utcnow()
        )
        flash(_("Moved. Clients see the new time in their calendar now."))
        return redirect(url_for("schedule_care.occurrence", series_id=series_id, key=key))
    return render(
        "schedule/care/occurrence.html",
        item=item,
        now=utcnow(),
        cancel_form=CancelForm(formdata=None),
        move_form=form,
        notices=_notices_for(item),
        status=422,
    )


@bp.route("/sessions/<int:series_id>/<key>/attendance", methods=["GET", "POST"])
@role_required("staff")
def attendance(series_id, key):
    """Take attendance for an occurrence on a phone-sized roster."""
    item = get_occurrence_or_404(series_id, key)
    people = roster(item)
    errors = {}
    started = item.start <= utcnow()
    if request.method == "POST" and not started:
        # Nobody can have attended yet; an early tap would mark the whole roster by mistake.
        flash(_("Attendance can be saved once the session has started."))
        return redirect(url_for("schedule_care.attendance", series_id=series_id, key=key))
    if request.method == "POST":
        # "Everyone else attended": tap the exceptions, then one button for the rest.
        rest = "attended" if request.form.get("rest") == "attended" else ""
        statuses = {p.id: request.form.get(f"status-{p.id}", "") or rest for p in people}
        errors = {pid: _("Choose one.") for pid, s in statuses.items() if s and s not in ATTENDANCE}
        chosen = {pid: s for pid, s in statuses.items() if s in ATTENDANCE}
        if not errors and chosen:
            record_attendance(item, chosen, current_user, now=utcnow())
            flash(_("Attendance saved."))
            return redirect(url_for("schedule_care.occurrence", series_id=series_id, key=key))
        if not chosen:
            errors = {p.id: _("Choose one.") for p in people}
    recorded = attendance_for(item)
    return render(
        "schedule/care/attendance.html",
        item=item,
        people=people,
        started=started,
        recorded=recorded,
        statuses=ATTENDANCE,
        errors=errors,
        status=422 if errors else 200,
    )


@bp.get("/notices")
@role_required("staff")
def notices():
    """List "can't make it" and "running late" notices, newest and unseen first."""
    return render(
        "schedule/care/notices.html",
        "schedule/care/_notices.html",
        notices=unseen_notices(limit=100, include_seen=True),
    )


@bp.post("/notices/<int:notice_id>/seen")
@role_required("staff")
def notice_seen(notice_id):
    """Mark a notice as seen by the care team."""
    item = get_notice_or_404(notice_id)
    item.seen_at = utcnow()
    db.session.commit()
    return redirect(url_for("schedule_care.notices"))
