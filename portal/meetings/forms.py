"""The forms of the meetings pages: search, save, "I went", a meeting of one's own, the goal."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..extensions import db
from ..forms import Form, strip
from .attendance import MAX_GOAL
from .directory import PARTS_OF_DAY
from .feed import safe_url
from .mine import REMINDER_MINUTES
from .models import Meeting, PersonalMeeting
from .types import SEARCH_TYPES, lazy_type_name

# Monday first, as the week is counted; the values are the feeds' numbers (0 is Sunday).
DAYS = [
    (1, _l("Monday")),
    (2, _l("Tuesday")),
    (3, _l("Wednesday")),
    (4, _l("Thursday")),
    (5, _l("Friday")),
    (6, _l("Saturday")),
    (0, _l("Sunday")),
]
DAY_LABELS = dict(DAYS)
PART_LABELS = {
    "morning": _l("Morning (5 AM to noon)"),
    "afternoon": _l("Afternoon (noon to 5 PM)"),
    "evening": _l("Evening (5 to 9 PM)"),
    "night": _l("Night (after 9 PM)"),
}
REMINDER_LABELS = {
    0: _l("No reminder"),
    15: _l("15 minutes before"),
    30: _l("30 minutes before"),
    60: _l("1 hour before"),
    120: _l("2 hours before"),
}


class SearchForm(Form):
    """Find meetings; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    day = SelectField(
        _l("Day"), choices=[("", _l("Any day"))] + [(str(n), d) for n, d in DAYS], default=""
    )
    part = SelectField(
        _l("Time of day"),
        choices=[("", _l("Any time"))] + [(p, PART_LABELS[p]) for p in PARTS_OF_DAY],
        default="",
    )
    mode = SelectField(
        _l("In person or online"),
        choices=[("", _l("Either")), ("in_person", _l("In person")), ("online", _l("Online"))],
        default="",
    )
    type = SelectField(
        _l("Type"),
        choices=[("", _l("Any type"))] + [(c, lazy_type_name(c)) for c in SEARCH_TYPES],
        default="",
    )
    q = SearchField(_l("Name or place"), filters=[strip], validators=[Length(max=100)])


class SaveForm(Form):
    reminder_minutes = SelectField(
        _l("Remind me"),
        coerce=int,
        choices=[(m, REMINDER_LABELS[m]) for m in REMINDER_MINUTES],
        default=60,
    )


class AttendanceForm(Form):
    """Which meeting the client went to (saved, own, this one, or another by name), when, a note."""

    which = SelectField(_l("Which meeting"), validate_choice=False)
    title = StringField(
        _l("Meeting name (if it is not in the list)"), filters=[strip], validators=[Length(max=255)]
    )
    attended_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date you went."))])
    note = TextAreaField(_l("Note (optional)"), filters=[strip], validators=[Length(max=500)])

    def __init__(self, *args, client=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client, self.today = client, today
        self.meeting = self.personal = None

    def validate_which(self, field):
        """Find the meeting the choice names: any listed meeting, or one of the client's own."""
        kind, _, number = (field.data or "").partition("-")
        if kind == "other" and not number:
            return
        if number.isdigit() and len(number) < 10:
            if kind == "meeting":
                self.meeting = db.session.get(Meeting, int(number))
            elif kind == "personal":
                personal = db.session.get(PersonalMeeting, int(number))
                if personal is not None and personal.client_id == self.client.id:
                    self.personal = personal
        if self.meeting is None and self.personal is None:
            raise ValidationError(_l("Choose a meeting."))

    def validate_attended_on(self, field):
        if field.data and self.today and field.data > self.today:
            raise ValidationError(_l("Pick today or a day before."))
        if field.data and self.today and field.data < self.today - timedelta(days=366):
            raise ValidationError(_l("Pick a date in the last year."))

    def validate_title(self, field):
        if self.which.data == "other" and not field.data:
            raise ValidationError(_l("Enter the meeting's name."))


class PersonalMeetingForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[InputRequired(_l("Enter a name.")), Length(min=1, max=120)],
    )
    day = SelectField(_l("Day"), coerce=int, choices=DAYS)
    start_time = TimeField(_l("Starts at"), validators=[InputRequired(_l("Enter a time."))])
    end_time = TimeField(_l("Ends at (optional)"), validators=[Optional()])
    place = StringField(_l("Address or place"), filters=[strip], validators=[Length(max=255)])
    link = URLField(
        _l("Link, for an online meeting"), filters=[strip], validators=[Length(max=2000)]
    )

    def validate_name(self, field):
        if not field.data:
            raise ValidationError(_l("Enter a name."))

    def validate_link(self, field):
        if field.data and not safe_url(field.data):
            raise ValidationError(_l("Enter a link that starts with https:// or http://."))

    def validate_place(self, field):
        if not field.data and not self.link.data:
            raise ValidationError(_l("Enter where it is, or a link to join."))


class GoalForm(Form):
    per_week = IntegerField(
        _l("Meetings a week (0 for no goal)"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(0, MAX_GOAL, _l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
