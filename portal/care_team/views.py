"""The care team's side: the client list, new accounts, and setup links."""

import segno
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.access import (
    admin_required,
    get_client_or_404,
    get_staff_or_404,
    role_required,
)
from ..accounts.models import User
from ..accounts.program import REASONS, stage
from ..accounts.registration import create_account
from ..accounts.second_factor import remove_factors
from ..accounts.setup_links import issue_setup_link, setup_url
from ..audit.log import record_account_change, record_view
from ..checkins.attention import unreviewed_count
from ..checkins.lists import flag_timeline
from ..consent.rules import consents_of_client
from ..data_versions import clinic_wide
from ..dates import format_day
from ..extensions import db
from ..forms import Form, clean_query
from ..htmx import is_htmx, render
from ..page_cache import cached_page
from ..timeutil import clinic_zone, utcnow
from .discharge import discharge, readmit
from .forms import DischargeForm, NewClientForm, NewStaffForm, SuccessorForm
from .home import home_context
from .lifecycle import (
    LifecycleError,
    active_staff,
    caseload_size,
    deactivate,
    hand_over,
    reactivate,
)
from .roster import client_rows, staff_members

bp = Blueprint("care", __name__, url_prefix="/care")
# The navigation's badge, counted only on staff pages (the template calls it there alone).
bp.add_app_template_global(unreviewed_count, "staff_flag_count")


def _render_setup_link(user: User, token: str, status: int = 201):
    url = setup_url(token)
    qr = segno.make(url, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    return render("care_team/setup_link.html", person=user, url=url, qr=qr, status=status)


# About every client at once (flags, notices, the roster): kept under the clinic's version.
clinic_wide("care.dashboard")


@bp.get("/")
@role_required("staff")
def dashboard():
    """Lead with what needs the counselor (flags, today's notices and sessions), then clients."""
    query = clean_query(request.args.get("q"))
    now = utcnow()

    def page():
        if is_htmx() and request.headers.get("HX-Target") == "attention":
            return render(
                "care_team/_attention.html", **home_context(now, clinic_zone(), current_user)
            )
        rows, own = client_rows(query, counselor=current_user)
        if is_htmx():
            return render("care_team/_client_list.html", rows=rows, own=own, query=query)
        return render(
            "care_team/dashboard.html",
            rows=rows,
            own=own,
            query=query,
            **home_context(now, clinic_zone(), current_user),
        )

    return cached_page(page, now=now, clinic_wide=True)


@bp.get("/flags/count")
@role_required("staff")
def flag_count():
    """Answer the navigation's badge: how many flagged check-ins wait for a review. Opened as a
    page (not by htmx), it leads to the list those check-ins are on."""
    if not is_htmx():
        return redirect(url_for("checkins.care_list"))
    return render("care_team/_flag_badge.html", flag_count=unreviewed_count())


@bp.route("/clients/new", methods=["GET", "POST"])
@role_required("staff")
def new_client():
    """Create a client account and show its one-time setup link."""
    form = NewClientForm()
    form.counselor_id.choices = [(m.id, m.name) for m in active_staff()]
    if request.method == "GET":
        form.counselor_id.data = current_user.id
    if not form.validate_on_submit():
        return render(
            "care_team/new_client.html", form=form, status=422 if form.is_submitted() else 200
        )
    counselor = db.session.get(User, form.counselor_id.data)
    client = create_account(
        form.email.data, form.name.data, "client", counselor=counselor, locale=form.language.data
    )
    return _render_setup_link(client, issue_setup_link(client, utcnow(), created_by=current_user))


@bp.get("/clients/<int:client_id>")
@role_required("staff")
def client(client_id):
    """Show one client's account; the view is written to the audit log."""
    person = get_client_or_404(client_id)
    record_view(person, "client.account")
    now = utcnow()
    return render(
        "care_team/client.html",
        person=person,
        consents=consents_of_client(person),
        flags=flag_timeline(person.id),
        standing=stage(person, now=now),
        discharge_reasons=REASONS,
        now=now,
    )


@bp.post("/clients/<int:client_id>/setup-link")
@role_required("staff")
def new_setup_link(client_id):
    """Make a new setup link for a client (the old one stops working)."""
    person = get_client_or_404(client_id)
    return _render_setup_link(person, issue_setup_link(person, utcnow(), created_by=current_user))


@bp.get("/staff")
@admin_required
def staff():
    """List the care team."""
    return render("care_team/staff.html", members=staff_members())


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def new_staff():
    """Create a care-team account and show its one-time setup link."""
    form = NewStaffForm()
    if not form.validate_on_submit():
        return render(
            "care_team/new_staff.html", form=form, status=422 if form.is_submitted() else 200
        )
    member = create_account(form.email.data, form.name.data, "staff", is_admin=form.is_admin.data)
    return _render_setup_link(member, issue_setup_link(member, utcnow(), created_by=current_user))


@bp.post("/staff/<int:staff_id>/setup-link")
@admin_required
def new_staff_setup_link(staff_id):
    """Make a new setup link for a care-team member."""
    member = get_staff_or_404(staff_id)
    return _render_setup_link(member, issue_setup_link(member, utcnow(), created_by=current_user))


@bp.post("/staff/<int:staff_id>/two-step/reset")
@admin_required
def reset_staff_two_step(staff_id):
    """Take away a care-team member's second factor (a lost phone); they set up a new one."""
    member = get_staff_or_404(staff_id)
    remove_factors(member)
    record_account_change(member, "reset-2fa", "second factor", current_user, at=utcnow())
    flash(
        _(
            "%(name)s's two-step sign-in is reset. They were signed out and will set it up again.",
            name=member.name,
        )
    )
    return redirect(url_for("care.staff"))


def _successor_page(template: str, member: User, form, status: int = 200):
    form.successor_id.choices = [(0, _("Choose…"))] + [
        (m.id, m.name) for m in active_staff(excluding=member)
    ]
    return render(template, member=member, form=form, clients=caseload_size(member), status=status)


def _successor_change(template: str, member: User, change):
    """Show the form; on a valid choice make the change, or say why not next to the field."""
    form = SuccessorForm()
    if not form.validate_on_submit():
        return _successor_page(template, member, form, 422 if form.is_submitted() else 200)
    successor = db.session.get(User, form.successor_id.data)
    try:
        moved = change(member, successor, by=current_user, now=utcnow())
    except LifecycleError as error:
        form.successor_id.errors.append(str(error))
        return _successor_page(template, member, form, 422)
    return moved, successor


@bp.route("/staff/<int:staff_id>/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate_staff(staff_id):
    """Turn off a member's account: their clients go to the person the administrator chooses."""
    member = get_staff_or_404(staff_id)
    if not member.active:
        return redirect(url_for("care.staff"))
    done = _successor_change("care_team/deactivate.html", member, deactivate)
    if not isinstance(done, tuple):
        return done
    moved, successor = done
    flash(
        _(
            "%(name)s's account is turned off and they were signed out. %(count)s of their "
            "clients now have %(successor)s as their counselor.",
            name=member.name,
            count=moved,
            successor=successor.name,
        )
    )
    return redirect(url_for("care.staff"))


@bp.route("/staff/<int:staff_id>/handover", methods=["GET", "POST"])
@admin_required
def hand_over_staff(staff_id):
    """Give all of a member's clients to another counselor (a leave, a change of role)."""
    member = get_staff_or_404(staff_id)
    done = _successor_change("care_team/handover.html", member, hand_over)
    if not isinstance(done, tuple):
        return done
    moved, successor = done
    flash(
        _(
            "%(count)s clients of %(name)s now have %(successor)s as their counselor.",
            count=moved,
            name=member.name,
            successor=successor.name,
        )
    )
    return redirect(url_for("care.staff"))


@bp.post("/staff/<int:staff_id>/reactivate")
@admin_required
def reactivate_staff(staff_id):
    """Turn a member's account back on; they sign in as before (their clients stay moved)."""
    member = get_staff_or_404(staff_id)
    if not Form().validate_on_submit():
        abort(400)
    try:
        reactivate(member, by=current_user, now=utcnow())
    except LifecycleError:
        return redirect(url_for("care.staff"))
    flash(_("%(name)s's account is on again.", name=member.name))
    return redirect(url_for("care.staff"))


@bp.route("/clients/<int:client_id>/discharge", methods=["GET", "POST"])
@role_required("staff")
def discharge_client(client_id):
    """Record the end of a client's program; from the day after, the portal is in aftercare."""
    person = get_client_or_404(client_id)
    now = utcnow()
    form = DischargeForm(today=now.astimezone(clinic_zone()).date())
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render("care_team/discharge.html", person=person, form=form, status=status)
    ended = discharge(person, form.day.data, form.reason.data, by=current_user, now=now)
    message = _(
        "%(name)s's program ends on %(day)s (%(reason)s). Aftercare starts the next day.",
        name=person.name,
        day=format_day(form.day.data, "long"),
        reason=REASONS[form.reason.data],
    )
    if ended:
        message += " " + ngettext(
            "%(num)d family consent ended with the program.",
            "%(num)d family consents ended with the program.",
            ended,
        )
    flash(message)
    return redirect(url_for("care.client", client_id=person.id))


@bp.post("/clients/<int:client_id>/readmit")
@role_required("staff")
def readmit_client(client_id):
    """Take a discharged client back into the program."""
    person = get_client_or_404(client_id)
    if not Form().validate_on_submit():
        abort(400)
    readmit(person, by=current_user, now=utcnow())
    flash(_("%(name)s is back in the program.", name=person.name))
    return redirect(url_for("care.client", client_id=person.id))
