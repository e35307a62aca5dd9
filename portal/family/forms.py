"""Forms for inviting a family member, signing the consent, and accepting an invitation."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from ..accounts.forms import SetPasswordForm
from ..forms import Form, strip


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
        _l("Share until"), validators=[InputRequired(_l("Choose the last day."))]
    )
    # Only when someone else signs for the client, e.g. a parent or guardian for a minor.
    representative_name = StringField(
        _l("Name of the person signing for you (optional)"),
        filters=[strip],
        validators=[Length(max=120)],
    )
    representative_relationship = StringField(
        _l("Their role, like “parent” or “legal guardian”"),
        filters=[strip],
        validators=[Length(max=80)],
    )
    step = HiddenField(default="review")

    def __init__(self, *args, today: date, **kwargs):
        # "Today" in the clinic's calendar comes from the view, which reads the clock.
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_expires_on(self, field):
        if field.data and field.data <= self.today:
            raise ValidationError(_l("Choose a date after today."))

    def validate_representative_relationship(self, field):
        if bool(field.data) != bool(self.representative_name.data):
            raise ValidationError(_l("Give both the name of the person signing and who they are."))


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
    # Something only the invited person has besides the link: the code the client read to
    # them, or the email the invitation was sent to. Their name and email come from the consent.
    proof = StringField(
        _l("Your invitation code, or the email this invitation was sent to"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your code or your email.")), Length(max=254)],
    )


class RevokeForm(Form):
    confirm = BooleanField(
        _l("Yes, stop sharing with this person."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
