"""Forms for the schedule: booking, groups, enrollment, moving, attendance, notices."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form, strip
from .models import KINDS, NOTICE_KINDS, PHASES

WEEKDAY_CHOICES = [
    ("0", _l("Monday")),
    ("1", _l("Tuesday")),
    ("2", _l("Wednesday")),
    ("3", _l("Thursday")),
    ("4", _l("Friday")),
    ("5", _l("Saturday")),
    ("6", _l("Sunday")),
]
REPEAT_CHOICES = [("0", _l("Once")), ("1", _l("Every week")), ("2", _l("Every other week"))]


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _https_or_empty(form, field):
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address that starts with https://"))


class GroupForm(Form):
    name = StringField(
        _l("Group name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter a name.")), Length(max=80)],
    )


class SeriesForm(Form):
    """A session or a series; for a group the kind is group and there is no client."""

    kind = SelectField(_l("Kind of session"), choices=list(KINDS.items()))
    title = StringField(_l("Title (optional)"), filters=[strip], validators=[Length(max=120)])
    facilitator_id = SelectField(_l("Facilitator"), coerce=int)
    start_date = DateField(
        _l("Date (first date, if it repeats)"), validators=[InputRequired(_l("Enter a date."))]
    )
    start_time = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter a time."))])
    duration_minutes = IntegerField(
        _l("Length in minutes"),
        validators=[
            InputRequired(_l("Enter a length.")),
            NumberRange(10, 8 * 60, _l("Enter a length between 10 and 480 minutes.")),
        ],
    )
    repeat = RadioField(_l("Repeats"), choices=REPEAT_CHOICES, default="0")
    weekdays = CheckboxList(_l("On these days"), choices=WEEKDAY_CHOICES)
    until_date = DateField(_l("Last date (optional)"), validators=[Optional()])
    place = StringField(_l("Address (optional)"), filters=[strip], validators=[Length(max=200)])
    room = StringField(_l("Room (optional)"), filters=[strip], validators=[Length(max=80)])
    telehealth_url = URLField(
        _l("Video call link (optional)"),
        filters=[strip],
        validators=[
            Length(max=500),
            _https_or_empty,
            Optional(),
            URL(message=_l("Enter a full web address.")),
        ],
    )
    family_ids = CheckboxList(_l("Shared with family members"), coerce=int, choices=[])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.repeat.data != "0" and not self.weekdays.data:
            self.weekdays.errors = [*list(self.weekdays.errors), _l("Pick at least one day.")]
            ok = False
        if (
            self.until_date.data
            and self.start_date.data
            and self.until_date.data < self.start_date.data
        ):
            self.until_date.errors = [
                *list(self.until_date.errors),
                _l("The last date is before the first date."),
            ]
            ok = False
        if not (self.place.data or self.room.data or self.telehealth_url.data):
            self.place.errors = [
                *list(self.place.errors),
                _l("Give an address, a room or a video call link."),
            ]
            ok = False
        return ok


class EnrollmentForm(Form):
    start_date = DateField(_l("Program start"), validators=[InputRequired(_l("Enter a date."))])
    planned_weeks = IntegerField(
        _l("Planned length in weeks"),
        default=12,
        validators=[
            InputRequired(_l("Enter a number of weeks.")),
            NumberRange(1, 104, _l("Enter between 1 and 104 weeks.")),
        ],
    )
    phase = SelectField(_l("Phase"), choices=list(PHASES.items()))
    required_hours = IntegerField(
        _l("Required hours a week"),
        default=9,
        validators=[
            InputRequired(_l("Enter a number of hours.")),
            NumberRange(0, 40, _l("Enter between 0 and 40 hours.")),
        ],
    )
    absence_warning_at = IntegerField(
        _l("Warn at this many unexcused absences"),
        default=2,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(1, 20, _l("Enter 1 to 20."))],
    )
    group_id = SelectField(_l("Group"), coerce=int)


class MoveForm(Form):
    date = DateField(_l("New date"), validators=[InputRequired(_l("Enter a date."))])
    start_time = TimeField(_l("New start time"), validators=[InputRequired(_l("Enter a time."))])
    duration_minutes = IntegerField(
        _l("Length in minutes"),
        validators=[
            InputRequired(_l("Enter a length.")),
            NumberRange(10, 8 * 60, _l("Enter a length between 10 and 480 minutes.")),
        ],
    )
    note = StringField(
        _l("Note for clients (optional)"), filters=[strip], validators=[Length(max=200)]
    )
    family_note = StringField(
        _l("Note for family members (optional)"), filters=[strip], validators=[Length(max=200)]
    )


class CancelForm(Form):
    note = StringField(
        _l("Note for clients (optional)"), filters=[strip], validators=[Length(max=200)]
    )
    family_note = StringField(
        _l("Note for family members (optional)"), filters=[strip], validators=[Length(max=200)]
    )


class NoticeForm(Form):
    kind = RadioField(
        _l("What is happening?"),
        choices=list(NOTICE_KINDS.items()),
        validators=[InputRequired(_l("Choose one."))],
    )
    reason = StringField(
        _l("A few words for your care team (optional)"),
        filters=[strip],
        validators=[Length(max=200, message=_l("Keep it under 200 characters."))],
    )
