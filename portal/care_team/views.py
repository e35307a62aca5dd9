"""The care team's side: the client list, new accounts, and setup links."""

import segno
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import (
    admin_required,
    get_client_or_404,
    get_staff_or_404,
    role_required,
)
from ..accounts.models import User
from ..accounts.registration import create_account
from ..accounts.second_factor import remove_factors
from ..accounts.setup_links import issue_setup_link, setup_url
from ..audit.log import record_account_change, record_view
from ..checkins.attention import unreviewed_count
from ..checkins.lists import flag_timeline
from ..consent.rules import consents_of_client
from ..extensions import db
from ..forms import clean_query
from ..htmx import is_htmx, render
from ..timeutil import clinic_zone, utcnow
from .forms import NewClientForm, NewStaffForm
from .home import home_context
from .roster import client_rows, staff_members

bp = Blueprint("care", __name__, url_prefix="/care")
# The navigation's badge, counted only on staff pages (the template calls it there alone).
bp.add_app_template_global(unreviewed_count, "staff_flag_count")


def _render_setup_link(user: User, token: str, status: int = 201):
    url = setup_url(token)
    qr = segno.make(url, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    return render("care_team/setup_link.html", person=user, url=url, qr=qr, status=status)


@bp.get("/")
@role_required("staff")
def dashboard():
    """Lead with what needs the counselor (flags, today's notices and sessions), then clients."""
    query = clean_query(request.args.get("q"))
    if is_htmx() and request.headers.get("HX-Target") == "attention":
        return render(
            "care_team/_attention.html", **home_context(utcnow(), clinic_zone(), current_user)
        )
    if is_htmx():
        return render("care_team/_client_list.html", rows=client_rows(query), query=query)
    return render(
        "care_team/dashboard.html",
        rows=client_rows(query),
        query=query,
        **home_context(utcnow(), clinic_zone(), current_user),
    )


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
    form.counselor_id.choices = [(m.id, m.name) for m in staff_members()]
    if request.method == "GET":
        form.counselor_id.data = current_user.id
    if not form.validate_on_submit():
        return render(
            "care_team/new_client.html", form=form, status=422 if form.is_submitted() else 200
        )
    counselor = db.session.get(User, form.counselor_id.data)
    client = create_account(form.email.data, form.name.data, "client", counselor=counselor)
    return _render_setup_link(client, issue_setup_link(client, utcnow(), created_by=current_user))


@bp.get("/clients/<int:client_id>")
@role_required("staff")
def client(client_id):
    """Show one client's account; the view is written to the audit log."""
    person = get_client_or_404(client_id)
    record_view(person, "client.account")
    return render(
        "care_team/client.html",
        person=person,
        consents=consents_of_client(person),
        flags=flag_timeline(person.id),
        now=utcnow(),
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
