"""Homework forms: the care team's assignment and feedback, the client's answers."""

import re
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import Form, strip
from ..idempotency import KEY

MAX_ANSWER = 10000
MAX_RESOURCES = 10
MAX_QUESTIONS = 20
REVISION = re.compile(r"^[0-9]{1,15}$")
DUE_KINDS = [("at", _l("On a date and time")), ("next_group", _l("Before the next group session"))]


def safe_url(url: str) -> bool:
    """Accept only http(s) addresses with a host: no javascript:, data: or file: links."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url


def parse_resources(text: str) -> list[tuple[str, str]]:
    """Read "Title https://address" lines; raise ValidationError naming the line that is wrong."""
    found = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        title, _sep, url = line.rpartition(" ")
        title = title.strip() or url
        if not safe_url(url) or len(url) > 500 or len(title) > 200:
            raise ValidationError(
                _l("Line %(n)s: end the line with a link that starts with https://", n=number)
            )
        found.append((title, url))
    if len(found) > MAX_RESOURCES:
        raise ValidationError(_l("Up to %(n)s links.", n=MAX_RESOURCES))
    return found


def parse_questions(text: str) -> list[str]:
    """Read one question a line; raise ValidationError if there are too many or one is long."""
    found = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(found) > MAX_QUESTIONS:
        raise ValidationError(_l("Up to %(n)s questions.", n=MAX_QUESTIONS))
    if any(len(q) > 500 for q in found):
        raise ValidationError(_l("Keep each question under 500 characters."))
    return found


class AssignForm(Form):
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the homework a title.")), Length(max=120)],
    )
    instructions = TextAreaField(
        _l("Instructions"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )
    resources = TextAreaField(
        _l("Links to read or watch (optional)"), filters=[strip], validators=[Length(max=6000)]
    )
    questions = TextAreaField(
        _l("Worksheet questions (optional)"), filters=[strip], validators=[Length(max=11000)]
    )
    due_kind = RadioField(_l("Due"), choices=DUE_KINDS, default="at", validate_choice=False)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    due_time = TimeField(_l("Due time"), validators=[Optional()])

    def validate_due_kind(self, field):
        if field.data not in {value for value, _label in DUE_KINDS}:
            raise ValidationError(_l("Choose when it is due."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Optional() ends a field's own checks when it is empty, so whether a date is needed
        # (only for "on a date and time") is decided here, with the message by the field.
        if self.due_kind.data == "at":
            for field, message in (
                (self.due_date, _l("Choose a due date.")),
                (self.due_time, _l("Choose a due time.")),
            ):
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, message]
                    ok = False
        return ok

    def validate_resources(self, field):
        parse_resources(field.data)

    def validate_questions(self, field):
        parse_questions(field.data)

    def due_at(self, zone) -> datetime | None:
        """Return the due date and time as an aware moment in the clinic's zone."""
        if self.due_date.data is None or self.due_time.data is None:
            return None
        return datetime.combine(self.due_date.data, self.due_time.data, tzinfo=zone)


class DraftForm(Form):
    """One answer typed so far, with the phone's revision for it."""

    text = TextAreaField(filters=[strip], validators=[Length(max=MAX_ANSWER)])
    revision = StringField(filters=[strip])
    idempotency_key = StringField(filters=[strip])

    def validate_revision(self, field):
        if not REVISION.match(field.data):
            raise ValidationError(_l("Please reload the page and try again."))

    def validate_idempotency_key(self, field):
        if field.data and not KEY.match(field.data):
            raise ValidationError(_l("Please reload the page and try again."))


class FeedbackForm(Form):
    feedback = TextAreaField(
        _l("Feedback for the client"),
        filters=[strip],
        validators=[DataRequired(_l("Write a few words of feedback.")), Length(max=5000)],
    )
