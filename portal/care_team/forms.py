"""Forms the care team fills in to create accounts."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from ..accounts.program import REASONS
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
    # The setup link, the first screens and every reminder are in this language.
    language = SelectField(_l("Language the client reads"))

    def __init__(self, *args, **kwargs):
        from ..accounts.language import language_name, languages

        super().__init__(*args, **kwargs)
        self.language.choices = [(code, language_name(code)) for code in languages()]
        if not self.language.raw_data:  # not sent (an older form or a script): the default
            self.language.data = languages()[0]


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


class DischargeForm(Form):
    """The program's last day and why, as the counselor records it."""

    reason = SelectField(
        _l("Why the program ends"),
        choices=[("", _l("Choose…")), *REASONS.items()],
        validators=[InputRequired(_l("Choose why the program ends."))],
    )

    def validate_reason(self, field):
        if field.data not in REASONS:
            raise ValidationError(_l("Choose why the program ends."))
    day = DateField(
        _l("Last day in the program"), validators=[InputRequired(_l("Choose the day."))]
    )

    def __init__(self, *args, today: date, **kwargs):
        # "Today" in the clinic's calendar comes from the view, which reads the clock.
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_day(self, field):
        if field.data and not (
            self.today - timedelta(days=365) <= field.data <= self.today + timedelta(days=90)
        ):
            raise ValidationError(_l("Choose a day within the last year or the next 90 days."))
