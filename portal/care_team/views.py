"""The care team's side: the client list, new accounts, and setup links."""

import segno
from flask import Blueprint, request
from flask_login import current_user

from ..accounts.access import (
    admin_required,
    get_client_or_404,
    get_staff_or_404,
    role_required,
)
from ..accounts.models import User
from ..accounts.registration import create_account
from ..accounts.setup_links import issue_setup_link, setup_url
from ..audit.log import record_view
from ..consent.rules import consents_of_client
from ..extensions import db
from ..forms import clean_query
from ..htmx import render
from ..schedule.booking import unseen_notices
from ..timeutil import utcnow
from .forms import NewClientForm, NewStaffForm
from .roster import client_rows, staff_members

bp = Blueprint("care", __name__, url_prefix="/care")


def _render_setup_link(user: User, token: str, status: int = 201):
    url = setup_url(token)
    qr = segno.make(url, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    return render("care_team/setup_link.html", person=user, url=url, qr=qr, status=status)


@bp.get("/")
@role_required("staff")
def dashboard():
    """List the clinic's clients, filtered by a search as you type."""
    query = clean_query(request.args.get("q"))
    return render(
        "care_team/dashboard.html",
        "care_team/_client_list.html",
        rows=client_rows(query),
        query=query,
        notices=unseen_notices(),
    )


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
    return _render_setup_link(client, issue_setup_link(client, created_by=current_user))


@bp.get("/clients/<int:client_id>")
@role_required("staff")
def client(client_id):
    """Show one client's account; the view is written to the audit log."""
    person = get_client_or_404(client_id)
    record_view(person, "client.account")
    return render(
        "care_team/client.html", person=person, consents=consents_of_client(person), now=utcnow()
    )


@bp.post("/clients/<int:client_id>/setup-link")
@role_required("staff")
def new_setup_link(client_id):
    """Make a new setup link for a client (the old one stops working)."""
    person = get_client_or_404(client_id)
    return _render_setup_link(person, issue_setup_link(person, created_by=current_user))


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
    return _render_setup_link(member, issue_setup_link(member, created_by=current_user))


@bp.post("/staff/<int:staff_id>/setup-link")
@admin_required
def new_staff_setup_link(staff_id):
    """Make a new setup link for a care-team member."""
    member = get_staff_or_404(staff_id)
    return _render_setup_link(member, issue_setup_link(member, created_by=current_user))
