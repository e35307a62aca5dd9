"""The client's calendar, a session's page, "I can't make it", progress, and the feed."""

from datetime import datetime, timedelta

from babel.lists import format_list
from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import format_date, format_time, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import refuse, role_required
from ..accounts.language import written_for
from ..accounts.models import User
from ..addresses import public_url
from ..checkins.trends import trend_context
from ..consent.text import disclosure_notice
from ..dates import hour_of
from ..extensions import db
from ..forms import Form
from ..htmx import render
from ..meetings.calendar import meeting_occurrences
from ..page_cache import cached_page
from ..timeutil import clinic_zone, utcnow
from . import calendar
from .access import get_occurrence_or_404, host
from .calendar import how_soon
from .forms import NoticeForm
from .ics import build_feed, feed_window
from .models import ATTENDANCE
from .occurrences import attach_person_records, occurrence_key
from .progress import progress_for
from .rules import (
    feed_by_token,
    feed_of,
    feed_token,
    notice_problem,
    renew_feed,
    send_notice,
    withdraw_notice,
    withdraw_problem,
)
from .visibility import visible_occurrences

bp = Blueprint("schedule", __name__)
VIEWS = ("agenda", "week", "month")


@bp.get("/calendar")
@role_required("client")
def calendar_page():
    """Show the person's sessions as an agenda (default), a week or a month."""
    zone = clinic_zone()
    now = utcnow().astimezone(zone)
    view = request.args.get("view") if request.args.get("view") in VIEWS else "agenda"
    day = calendar.calendar_day(request.args.get("date"), now.date()) or refuse()

    def page():
        context = {"view": view, "now": now, "day": day}
        if view == "agenda":
            context["days"] = calendar.agenda(current_user, now, zone)
        elif view == "week":
            context["days"] = calendar.week(current_user, day, now, zone)
        else:
            context["weeks"] = calendar.month(current_user, day, now, zone)
        return render("schedule/calendar.html", **context)

    return cached_page(page, now=now)


@bp.get("/calendar/<int:series_id>/<key>")
@role_required("client", "family")
def occurrence(series_id, key):
    """Show one session: what, when, where, attendance, and "I can't make it"."""
    item = get_occurrence_or_404(series_id, key, disclosing="family.session")
    (item,) = _with_records(item)
    return render("schedule/occurrence.html", item=item, form=NoticeForm(), now=utcnow())


def _with_records(item):
    return attach_person_records([item], current_user)


def _notice_done(item, message: str):
    """Answer a notice sent or taken back: the fragment for htmx, else the page again."""
    if not request.headers.get("HX-Request"):
        flash(message)
        return redirect(url_for("schedule.occurrence", series_id=item.series.id, key=item.key))
    return render(
        "schedule/occurrence.html",
        "schedule/_notice.html",
        item=item,
        form=NoticeForm(formdata=None),
        now=utcnow(),
        done=message,
    )


def _notice_refused(item, form, status: int = 422):
    return render(
        "schedule/occurrence.html",
        "schedule/_notice.html",
        item=item,
        form=form,
        now=utcnow(),
        status=status,
    )


@bp.post("/calendar/<int:series_id>/<key>/notice")
@role_required("client", "family")
def notice(series_id, key):
    """Tell the care team "I can't make it" or "running late"; answers the notice fragment."""
    (item,) = _with_records(get_occurrence_or_404(series_id, key))
    form = NoticeForm()
    if form.validate_on_submit():
        problem = notice_problem(item, form.kind.data, utcnow())
        if problem is None:
            now = utcnow()
            item.notice = send_notice(current_user, item, form.kind.data, form.reason.data, now=now)
            return _notice_done(item, _("Sent. Your care team can see it now."))
        form.kind.errors = [*list(form.kind.errors), str(problem)]
    return _notice_refused(item, form)


@bp.post("/calendar/<int:series_id>/<key>/notice/withdraw")
@role_required("client", "family")
def withdraw(series_id, key):
    """Take back "I can't make it" (or "running late") until the session starts."""
    (item,) = _with_records(get_occurrence_or_404(series_id, key))
    now = utcnow()
    problem = withdraw_problem(item, now)
    if problem is None and Form().validate_on_submit():  # the CSRF token is all it carries
        item.notice = withdraw_notice(item.notice, now)
        return _notice_done(item, _("Taken back. Your care team can see that you are coming."))
    form = NoticeForm(formdata=None)
    form.kind.errors = [str(problem or _("Please reload the page and try again."))]
    return _notice_refused(item, form, 409 if problem else 400)


@bp.get("/progress")
@role_required("client")
def progress():
    """Show program week, this week's hours, attendance and absences."""
    zone = clinic_zone()
    now = utcnow()
    return render(
        "schedule/progress.html",
        progress=progress_for(current_user, now, zone),
        trend=trend_context(current_user, now.astimezone(zone).date()),
    )


@bp.get("/feeds/<token>.ics")
def feed(token):
    """Serve a person's calendar feed; the unguessable token is the only key."""
    record = feed_by_token(token)
    if record is None or not record.user.is_active:
        refuse()
    now = utcnow()
    start, end = feed_window(now)
    person = db.session.get(User, record.user_id)
    items = visible_occurrences(person, start, end, now, clinic_zone(), disclosing="family.feed")
    meetings = meeting_occurrences(person, start, end) if person.is_client else []
    # A calendar app fetches this with no cookie and its own Accept-Language: the owner's
    # language, not the app's, names the events.
    with written_for(person.locale):
        notice = disclosure_notice() if person.is_family else ""
        body = build_feed(items, host(), record.full_titles, now, meetings, description=notice)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=calendar.ics"
    return response


@bp.post("/settings/calendar-feed/new")
@role_required("client", "family")
def new_feed():
    """Make a feed address, or a new one: calendars using the old one stop getting updates."""
    had_one = feed_of(current_user) is not None
    renew_feed(current_user)
    flash(
        _("You have a new calendar address. The old one no longer works.")
        if had_one
        else _("Your calendar address is ready.")
    )
    return redirect(url_for("accounts.settings") + "#calendar-feed")


@bp.post("/settings/calendar-feed/titles")
@role_required("client", "family")
def feed_titles():
    """Choose between neutral titles ("Appointment") and full titles in the feed."""
    record = feed_of(current_user) or renew_feed(current_user)
    record.full_titles = request.form.get("full_titles") == "1"
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("accounts.settings") + "#calendar-feed")


def series_summary(series) -> str:
    """Describe a series in a few words, e.g. "Mon, Wed, Thu at 6:00 PM for 180 min"."""
    start = datetime.combine(series.start_date, series.start_time)
    when = format_time(start, "short", rebase=False)
    if not series.is_recurring:
        return ngettext(
            "%(date)s at %(time)s for %(n)d min",
            "%(date)s at %(time)s for %(n)d min",
            hour_of(when),
            date=format_date(series.start_date),
            time=when,
            n=series.duration_minutes,
        )
    days = format_list(
        [
            format_date(
                series.start_date + timedelta(days=(d - series.start_date.weekday()) % 7), "EEE"
            )
            for d in series.weekday_numbers
        ],
        style="standard-narrow",  # "Mon, Wed, Thu"; "lun, mié y jue"
        locale=str(get_locale()),
    )
    text = ngettext(
        "%(days)s at %(time)s for %(n)d min",
        "%(days)s at %(time)s for %(n)d min",
        hour_of(when),
        days=days,
        time=when,
        n=series.duration_minutes,
    )
    if series.interval_weeks == 2:
        text += " " + _("(every other week)")
    if series.until_date:
        text += " " + _("until %(date)s", date=format_date(series.until_date))
    return text


@bp.app_context_processor
def schedule_helpers():
    return {
        "series_summary": series_summary,
        "timedelta": timedelta,
        "how_soon": how_soon,
        "attendance_labels": ATTENDANCE,
        "occurrence_key": occurrence_key,
    }


def feed_settings_context() -> dict:
    """Give the settings page what it needs to show the calendar feed section."""
    if not (current_user.is_client or current_user.is_family):
        return {}
    record = feed_of(current_user)
    if record is None:
        return {"feed": None}
    token = feed_token(record)
    if token is None:
        return {"feed": record, "feed_url": None}
    url = public_url("schedule.feed", token=token)
    return {"feed": record, "feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
