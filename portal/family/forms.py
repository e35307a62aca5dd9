"""Forms for inviting a family member, signing the consent, and accepting an invitation."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from ..accounts.forms import SetPasswordForm
from ..forms import Form, strip
from ..timeutil import clinic_zone, utcnow


def _in_the_future(form, field):
    if field.data and field.data <= utcnow().astimezone(clinic_zone()).date():
        raise ValidationError(_l("Choose a date after today."))


class InviteForm(Form):
    """Who to invite and until when; signing comes on the next step, with the full text."""

    recipient_name = StringField(
        _l("Their name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter their name.")), Length(max=120)],
    )
    relationship = StringField(
        _l("Who they are to you"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say who they are to you, like “mother” or “partner”.")),
            Length(max=80),
        ],
    )
    email = EmailField(
        _l("Their email"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter their email.")),
            Email(_l("Enter an email like name@example.org."), check_deliverability=False),
            Length(max=254),
        ],
    )
    expires_on = DateField(
        _l("Share until"), validators=[InputRequired(_l("Choose the last day.")), _in_the_future]
    )
    step = HiddenField(default="review")


class SignForm(InviteForm):
    signature = StringField(
        _l("Type your full name to sign"),
        filters=[strip],
        validators=[
            DataRequired(_l("Type your full name to sign.")),
            Length(min=2, max=120, message=_l("Type your full name to sign.")),
        ],
    )
    agree = BooleanField(
        _l("I have read this consent and I agree to it."),
        validators=[DataRequired(_l("Tick the box to agree."))],
    )


class CodeForm(Form):
    code = StringField(
        _l("Invitation code"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the code from your invitation.")), Length(max=64)],
    )


class JoinForm(SetPasswordForm):
    name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
    )
    email = EmailField(
        _l("Your email"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your email.")),
            Email(_l("Enter an email like name@example.org."), check_deliverability=False),
            Length(max=254),
        ],
    )


class RevokeForm(Form):
    confirm = BooleanField(
        _l("Yes, stop sharing with this person."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
