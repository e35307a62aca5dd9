"""Meetings for the client (find, save, my meetings, "I went") and the care team's view of them."""

from datetime import datetime, timedelta

from babel.lists import format_list
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import get_client_or_404, refuse, role_required
from ..audit.log import record_view
from ..extensions import db
from ..forms import clean_query
from ..htmx import render
from ..timeutil import utcnow, zone_for
from .attendance import (
    attendance_log,
    goal_of,
    log_attendance,
    set_goal,
    today_for,
    week_progress,
)
from .directory import MeetingFilters, next_listing, search
from .forms import (
    DAY_LABELS,
    REMINDER_LABELS,
    AttendanceForm,
    GoalForm,
    PersonalMeetingForm,
    SaveForm,
    SearchForm,
)
from .mine import (
    add_personal_meeting,
    personal_meetings,
    save_meeting,
    saved_for,
    saved_meetings,
    unsave_meeting,
    which_choices,
)
from .models import Meeting, MeetingAttendance, PersonalMeeting
from .types import MODE_NAMES, SPANISH, type_names

bp = Blueprint("meetings", __name__)
MAX_PERSONAL = 30


def get_meeting_or_404(meeting_id: int) -> Meeting:
    """Load a directory meeting for a client; anyone else, or a missing id, gets 404."""
    if not (current_user.is_authenticated and current_user.is_client):
        refuse()
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        refuse()
    return meeting


def get_personal_meeting_or_404(personal_meeting_id: int) -> PersonalMeeting:
    """Load one of the signed-in client's own meetings, or answer 404."""
    personal = db.session.get(PersonalMeeting, personal_meeting_id)
    if personal is None or personal.client_id != getattr(current_user, "id", None):
        refuse()
    return personal


def get_attendance_or_404(attendance_id: int) -> MeetingAttendance:
    """Load one of the signed-in client's attendance entries, or answer 404."""
    entry = db.session.get(MeetingAttendance, attendance_id)
    if entry is None or entry.client_id != getattr(current_user, "id", None):
        refuse()
    return entry


def _filters(form: SearchForm) -> MeetingFilters:
    return MeetingFilters(
        day=int(form.day.data) if form.day.data else None,
        part_of_day=form.part.data or None,
        mode=form.mode.data or None,
        type_code=form.type.data or None,
        text=clean_query(form.q.data),
    )


@bp.get("/meetings")
@role_required("client")
def find():
    """Find meetings by day, time of day, in person or online, type and text."""
    form = SearchForm(formdata=request.args)
    reads_spanish = get_locale().language == "es"
    if reads_spanish:  # meetings held in Spanish first among the types a Spanish reader picks
        form.type.choices = sorted(form.type.choices, key=lambda c: (c[0] != "", c[0] != SPANISH))
    now, zone = utcnow(), zone_for(current_user)
    valid = form.validate()
    listings, total = search(_filters(form), now, zone) if valid else ([], 0)
    return render(
        "meetings/find.html",
        "meetings/_results.html",
        form=form,
        listings=listings,
        total=total,
        now=now.astimezone(zone),
        spanish_link=reads_spanish and form.type.data != "S" and _with_type(SPANISH),
        status=200 if valid else 422,
    )


def _with_type(code: str) -> str:
    """This search, narrowed to one meeting type."""
    return url_for("meetings.find", **{**request.args.to_dict(), "type": code})


def _meeting_page(meeting: Meeting, save_form=None, status: int = 200):
    saved = saved_for(current_user, meeting)
    today = today_for(current_user, utcnow())
    went = AttendanceForm(client=current_user, today=today, formdata=None)
    went.attended_on.data = today
    return render(
        "meetings/meeting.html",
        meeting=meeting,
        saved=saved,
        listing=next_listing(meeting, utcnow(), zone_for(current_user)),
        now=utcnow().astimezone(zone_for(current_user)),
        save_form=save_form or SaveForm(obj=saved, formdata=None),
        went=went,
        status=status,
    )


@bp.get("/meetings/<int:meeting_id>")
@role_required("client")
def meeting(meeting_id):
    """Show one meeting: when, where or how to join, its types; save it or say "I went"."""
    return _meeting_page(get_meeting_or_404(meeting_id))


@bp.post("/meetings/<int:meeting_id>/save")
@role_required("client")
def save(meeting_id):
    """Save a meeting to My meetings with a reminder lead time, or change the lead time."""
    meeting = get_meeting_or_404(meeting_id)
    form = SaveForm()
    if form.validate_on_submit():
        if not meeting.retired or saved_for(current_user, meeting):
            save_meeting(current_user, meeting, form.reminder_minutes.data)
            flash(_("Saved to My meetings."))
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
        form.reminder_minutes.errors.append(_("This meeting is no longer listed."))
    return _meeting_page(meeting, save_form=form, status=422)


@bp.post("/meetings/<int:meeting_id>/unsave")
@role_required("client")
def unsave(meeting_id):
    """Take a meeting off My meetings."""
    meeting = get_meeting_or_404(meeting_id)
    unsave_meeting(current_user, meeting)
    flash(_("Removed from My meetings."))
    if request.form.get("back") == "mine":
        return redirect(url_for("meetings.mine"))
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id))


def _mine_page(form: PersonalMeetingForm, status: int = 200):
    now, zone = utcnow(), zone_for(current_user)
    saved = saved_meetings(current_user)
    personal = personal_meetings(current_user)
    return render(
        "meetings/mine.html",
        saved=saved,
        personal=personal,
        next_times={("m", s.id): next_listing(s.meeting, now, zone) for s in saved}
        | {("p", p.id): next_listing(p, now, zone) for p in personal},
        now=now.astimezone(zone),
        form=form,
        status=status,
    )


@bp.get("/meetings/mine")
@role_required("client")
def mine():
    """List the client's saved meetings and their own, with a form to add one."""
    return _mine_page(PersonalMeetingForm(formdata=None))


@bp.post("/meetings/personal")
@role_required("client")
def add_personal():
    """Add a weekly meeting that is in no feed."""
    form = PersonalMeetingForm()
    if not form.validate_on_submit():
        return _mine_page(form, status=422)
    if len(personal_meetings(current_user)) >= MAX_PERSONAL:
        form.name.errors.append(_("You can keep up to %(n)d of your own meetings.", n=MAX_PERSONAL))
        return _mine_page(form, status=422)
    end = form.end_time.data
    if end is None:
        end = (datetime.combine(datetime.min, form.start_time.data) + timedelta(hours=1)).time()
    personal = add_personal_meeting(
        current_user,
        form.name.data,
        form.day.data,
        form.start_time.data,
        end,
        form.place.data,
        form.link.data,
    )
    flash(_("Added to My meetings."))
    return redirect(url_for("meetings.mine", _anchor=f"personal-{personal.id}"))


@bp.post("/meetings/personal/<int:personal_meeting_id>/delete")
@role_required("client")
def delete_personal(personal_meeting_id):
    """Remove one of the client's own meetings; attendance already logged stays."""
    db.session.delete(get_personal_meeting_or_404(personal_meeting_id))
    db.session.commit()
    flash(_("Removed from My meetings."))
    return redirect(url_for("meetings.mine"))


@bp.route("/meetings/attendance", methods=["GET", "POST"])
@role_required("client")
def attendance():
    """Show the attendance log and the weekly goal, and log a meeting the client went to."""
    today = today_for(current_user, utcnow())
    form = AttendanceForm(client=current_user, today=today)
    form.which.choices = which_choices(current_user)
    if request.method == "GET":
        form.attended_on.data = today
    elif form.validate_on_submit():
        entry = log_attendance(
            current_user,
            form.attended_on.data,
            meeting=form.meeting,
            personal=form.personal,
            title=form.title.data,
            note=form.note.data,
        )
        if entry is not None:
            flash(_("Logged. Well done for going. It counts toward this week's meetings."))
            return redirect(url_for("meetings.attendance"))
        form.which.errors = [_("You already logged this meeting for that day.")]
    return render(
        "meetings/attendance.html",
        form=form,
        log=attendance_log(current_user),
        progress=week_progress(current_user, today),
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/meetings/attendance/<int:attendance_id>/delete")
@role_required("client")
def delete_attendance(attendance_id):
    """Remove an entry logged by mistake."""
    db.session.delete(get_attendance_or_404(attendance_id))
    db.session.commit()
    flash(_("Entry removed."))
    return redirect(url_for("meetings.attendance"))


@bp.route("/care/clients/<int:client_id>/meetings", methods=["GET", "POST"])
@role_required("staff")
def client_meetings(client_id):
    """Show the care team a client's meeting log and weekly goal, and set the goal."""
    person = get_client_or_404(client_id)
    goal = goal_of(person)
    form = GoalForm(data={"per_week": goal.per_week if goal else 0})
    if form.validate_on_submit():
        set_goal(person, form.per_week.data, current_user)
        flash(_("Goal saved."))
        return redirect(url_for("meetings.client_meetings", client_id=person.id))
    record_view(person, "meetings.attendance")
    return render(
        "meetings/client_meetings.html",
        person=person,
        form=form,
        log=attendance_log(person),
        progress=week_progress(person, today_for(person, utcnow())),
        saved=saved_meetings(person),
        status=422 if form.is_submitted() else 200,
    )


@bp.app_template_global()
def mode_name(mode: str) -> str:
    """Say how a meeting is held: in person, online, or both."""
    return str(MODE_NAMES.get(mode, mode))


@bp.app_template_global()
def meeting_days(numbers: list[int]) -> str:
    """Name a meeting's days, Monday first: "Monday, Wednesday and Friday"."""
    names = [str(DAY_LABELS[n]) for n in sorted(numbers, key=lambda n: (n - 1) % 7)]
    return format_list(names, locale=str(get_locale()))


@bp.app_template_global()
def time_range(meeting) -> str:
    """Give a meeting's times on its own clock, naming its zone when it is not the client's."""
    start = format_time(meeting.start_time, "short", rebase=False)
    end = format_time(meeting.end_time, "short", rebase=False)
    if meeting.timezone != zone_for(current_user).key:
        return _(
            "%(start)s to %(end)s (%(zone)s time)",
            start=start,
            end=end,
            zone=meeting.timezone.replace("_", " "),
        )
    return _("%(start)s to %(end)s", start=start, end=end)


@bp.app_template_global()
def reminder_label(minutes: int) -> str:
    """Say when a reminder comes."""
    return str(REMINDER_LABELS.get(minutes) or _("%(n)d minutes before", n=minutes))


bp.add_app_template_global(type_names)
