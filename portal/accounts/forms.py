"""Forms for signing in, setting and changing passwords."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..forms import Form
from .passwords import MAX_LENGTH, password_problem


class NewPassword:
    """Check a new password against the rules in passwords.py."""

    def __call__(self, form, field):
        email = getattr(form, "account_email", "")
        name = getattr(form, "account_name", "")
        problem = password_problem(field.data or "", email, name)
        if problem:
            raise ValidationError(str(problem))


class LoginForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Enter your email.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
    )
    keep_signed_in = BooleanField(_l("Keep me signed in on this phone"))


class SetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a password.")), NewPassword()]
    )
    confirm = PasswordField(
        _l("Type it again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=MAX_LENGTH)],
    )


class SecondFactorForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the code.")),
            Length(max=20, message=_l("That code is too long.")),
        ],
    )


class PasskeyAnswerForm(Form):
    """The browser's answer to a passkey ceremony, put in by static/js/passkey.js."""

    credential = HiddenField(
        validators=[
            DataRequired(_l("Use your passkey when your phone asks.")),
            Length(max=20000, message=_l("That answer is too long.")),
        ]
    )


class NewPasskeyForm(PasskeyAnswerForm):
    name = StringField(
        _l("A name for it"),
        default="",
        filters=[lambda value: (value or "").strip()],
        validators=[
            DataRequired(_l("Give it a name you will recognize, like “My phone”.")),
            Length(max=60, message=_l("Keep the name under 60 characters.")),
        ],
    )


class LanguageForm(Form):
    """The language of pages, reminders and the calendar feed (each name written in itself)."""

    language = SelectField(_l("Language"), validators=[DataRequired(_l("Choose a language."))])

    def __init__(self, *args, **kwargs):
        from .language import language_name, languages

        super().__init__(*args, **kwargs)
        self.language.choices = [(code, language_name(code)) for code in languages()]
