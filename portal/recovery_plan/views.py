"""The client's recovery plan, and their support contacts (tap-to-call in the help panel)."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..accounts.access import refuse, role_required
from ..checkins.rules import clinic_today, last_use_day, program_start
from ..extensions import db
from ..forms import Form, strip
from ..htmx import render
from ..schedule.progress import enrollment_of
from ..timeutil import utcnow
from .contacts import MAX_CONTACTS, add_contact, contacts_of, phone_problem
from .models import SupportContact
from .plan import LISTS, lines, lines_problem, milestones, plan_of, save_plan

bp = Blueprint("recovery_plan", __name__)


def program_start_of(client):
    """Return day 1 of the client's program: the enrollment's start, the one Progress counts
    weeks from; before the care team sets it, the account or the first check-in."""
    enrollment = enrollment_of(client)
    return enrollment.start_date if enrollment else program_start(client)


def _dialable(form, field):
    problem = phone_problem(field.data or "")
    if problem:
        raise ValidationError(str(problem))


class ContactForm(Form):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(_l("Enter a name.")), Length(max=80)]
    )
    relationship = StringField(
        _l("Who they are to you (optional)"), filters=[strip], validators=[Length(max=80)]
    )
    phone = TelField(
        _l("Phone"),
        filters=[strip],
        validators=[DataRequired(_l("Enter a phone number.")), Length(max=32), _dialable],
    )


def _short_lines(form, field):
    problem = lines_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class PlanForm(Form):
    triggers = TextAreaField(
        _l("My triggers"),
        description=_l("People, places, feelings or times that make use more likely."),
        validators=[_short_lines],
    )
    warning_signs = TextAreaField(
        _l("Early warning signs"),
        description=_l("What you notice in yourself when things start to slip."),
        validators=[_short_lines],
    )
    coping = TextAreaField(
        _l("What helps me cope"),
        description=_l("Things you can do right away when a craving comes."),
        validators=[_short_lines],
    )
    reasons = TextAreaField(
        _l("My reasons"), description=_l("Why this matters to you."), validators=[_short_lines]
    )
    show_days_in_program = BooleanField(_l("Show how many days I have been in the program"))
    show_days_since_use = BooleanField(_l("Show how many days since I last reported use"))

    def fill_from(self, plan) -> None:
        """Show the saved plan, one item per line."""
        for name in LISTS:
            getattr(self, name).data = "\n".join(getattr(plan, name) or [])
        self.show_days_in_program.data = plan.show_days_in_program
        self.show_days_since_use.data = plan.show_days_since_use


def get_contact_or_404(contact_id: int) -> SupportContact:
    """Load one of the signed-in client's own support contacts, or answer 404."""
    contact = db.session.get(SupportContact, contact_id)
    if contact is None or not current_user.is_authenticated or contact.client_id != current_user.id:
        refuse()
    return contact


@bp.route("/support-contacts", methods=["GET", "POST"])
@role_required("client")
def contacts():
    """List the client's support contacts and add one."""
    form = ContactForm()
    existing = contacts_of(current_user)
    if form.validate_on_submit():
        if len(existing) >= MAX_CONTACTS:
            form.name.errors.append(_("You can keep up to %(n)d contacts.", n=MAX_CONTACTS))
        else:
            add_contact(current_user, form.name.data, form.relationship.data, form.phone.data)
            flash(_("Contact added."))
            return redirect(url_for("recovery_plan.contacts"))
    return render(
        "recovery_plan/contacts.html",
        form=form,
        contacts=existing,
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/support-contacts/<int:contact_id>/delete")
@role_required("client")
def delete_contact(contact_id):
    """Remove one of the client's support contacts."""
    db.session.delete(get_contact_or_404(contact_id))
    db.session.commit()
    flash(_("Contact removed."))
    return redirect(url_for("recovery_plan.contacts"))


@bp.route("/recovery-plan", methods=["GET", "POST"])
@role_required("client")
def plan():
    """Show and change the client's recovery plan; its lists feed the check-in."""
    current = plan_of(current_user)
    form = PlanForm()
    if request.method == "GET":
        form.fill_from(current)
    elif form.validate_on_submit():
        values = {name: lines(getattr(form, name).data) for name in LISTS}
        save_plan(
            current_user,
            values,
            form.show_days_in_program.data,
            form.show_days_since_use.data,
            now=utcnow(),
        )
        flash(_("Your plan is saved."))
        return redirect(url_for("recovery_plan.plan"))
    today = clinic_today(utcnow())
    start = program_start_of(current_user)
    return render(
        "recovery_plan/plan.html",
        form=form,
        plan=current,
        contacts=contacts_of(current_user),
        milestones=milestones(current, start, last_use_day(current_user), today),
        program_start=start,
        status=422 if form.is_submitted() else 200,
    )
