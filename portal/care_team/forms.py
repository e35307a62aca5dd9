"""Forms the care team fills in to create accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..accounts.registration import email_taken
from ..forms import Form, strip


def _unused_email(form, field):
    if field.data and email_taken(field.data):
        raise ValidationError(_l("An account with this email already exists."))


class _AccountForm(Form):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(_l("Enter a name.")), Length(max=120)]
    )
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter an email.")),
            Email(_l("Enter an email like name@example.org."), check_deliverability=False),
            Length(max=254),
            _unused_email,
        ],
    )


class NewClientForm(_AccountForm):
    counselor_id = SelectField(_l("Counselor"), coerce=int)


class NewStaffForm(_AccountForm):
    is_admin = BooleanField(_l("Administrator (can add care-team members)"))


class SuccessorForm(Form):
    """Who takes a care-team member's clients (the choices are set from the active team)."""

    successor_id = SelectField(
        _l("Who takes their clients"),
        coerce=int,
        validate_choice=False,  # checked by the rule, with a plain message
        validators=[DataRequired(_l("Choose who takes their clients."))],
    )
