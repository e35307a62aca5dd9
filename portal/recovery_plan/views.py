"""The client's support contacts, which the help panel offers as tap-to-call links."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TelField
from wtforms.validators import DataRequired, Length, ValidationError

from ..accounts.access import refuse, role_required
from ..extensions import db
from ..forms import Form, strip
from ..htmx import render
from .contacts import MAX_CONTACTS, add_contact, contacts_of, phone_problem
from .models import SupportContact

bp = Blueprint("recovery_plan", __name__)


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
