"""The check-in form: taps only, each answer checked with a plain message by its field."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ..forms import CONTROL, Form, strip
from ..idempotency import KEY

MOOD_LABELS = [
    (1, _l("Very low")),
    (2, _l("Low")),
    (3, _l("Okay")),
    (4, _l("Good")),
    (5, _l("Very good")),
]
SLEEP_LABELS = [
    ("well", _l("Well")),
    ("okay", _l("Okay")),
    ("poorly", _l("Poorly")),
    ("hardly", _l("Hardly at all")),
]
YES_NO = [("no", _l("No")), ("yes", _l("Yes"))]
# Common triggers (HALT and more); the client's own, from their plan, come after these.
TRIGGERS = [
    ("hungry", _l("Hungry")),
    ("angry", _l("Angry")),
    ("lonely", _l("Lonely")),
    ("tired", _l("Tired")),
    ("stress", _l("Stress")),
    ("conflict", _l("Conflict with someone")),
    ("people_places", _l("People or places tied to use")),
    ("boredom", _l("Boredom")),
    ("celebration", _l("A celebration")),
]
COPING = [
    ("called_contact", _l("Called a support contact")),
    ("meeting", _l("Went to a meeting")),
    ("exercise", _l("Exercise")),
    ("mindfulness", _l("Mindfulness or breathing")),
    ("rest", _l("Rest or sleep")),
    ("distraction", _l("Did something else for a while")),
]
OWN = "own:"  # a stored choice that came from the client's own plan keeps its words
MAX_OWN = 120


class Scale(Field):
    """A whole number picked from a row of radio buttons; anything else becomes empty."""

    def __init__(self, label, low: int, high: int, message, **kwargs):
        super().__init__(label, **kwargs)
        self.low, self.high, self.message = low, high, message

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and re.fullmatch(r"[0-9]{1,2}", valuelist[0].strip()):
            self.data = int(valuelist[0])

    def pre_validate(self, form):
        if self.data is None or not self.low <= self.data <= self.high:
            raise ValidationError(str(self.message))

    @property
    def choices(self) -> range:
        return range(self.low, self.high + 1)


class Choice(RadioField):
    """A radio group that must be answered, with its own message instead of WTForms' wording."""

    def __init__(self, label, message, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError(str(self.message))


def own_choice_ok(value: str) -> bool:
    """Accept the client's own words from their plan, even if the plan changed since the phone
    kept the answer: a check-in waiting in the outbox must not be refused for that."""
    return (
        value.startswith(OWN)
        and 0 < len(value.removeprefix(OWN).strip()) <= MAX_OWN
        and not CONTROL.search(value)
    )


class Ticks(SelectMultipleField):
    """Checkboxes from a list; a value from outside the list is refused by the field."""

    def pre_validate(self, form):
        allowed = {value for value, _ in self.choices}
        values = self.data or []
        if len(values) > 40 or any(v not in allowed and not own_choice_ok(v) for v in values):
            raise ValidationError(_l("Choose from the list."))


class CheckInForm(Form):
    day = HiddenField()
    idempotency_key = HiddenField()
    mood = Scale(_l("How are you feeling today?"), 1, 5, _l("Choose how you feel."))
    craving = Scale(
        _l("How strong is your craving right now?"), 0, 10, _l("Choose a number from 0 to 10.")
    )
    used = Choice(_l("Any alcohol or drug use since your last check-in?"), _l("Choose no or yes."))
    used_what = StringField(
        _l("What did you use? (optional)"), filters=[strip], validators=[Length(max=200)]
    )
    sleep = Choice(_l("How did you sleep last night?"), _l("Choose how you slept."))
    triggers = Ticks(_l("Did you meet any of these today?"))
    coping = Ticks(_l("What helped today?"))
    confidence = Scale(
        _l("How sure are you that you will stay on track today?"),
        0,
        10,
        _l("Choose a number from 0 to 10."),
    )
    self_harm = Choice(_l("Have you had thoughts of hurting yourself?"), _l("Choose no or yes."))
    note = TextAreaField(
        _l("Anything else? (optional)"), filters=[strip], validators=[Optional(), Length(max=1000)]
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.used.choices = YES_NO
        self.self_harm.choices = YES_NO
        self.sleep.choices = SLEEP_LABELS
        own_triggers = [(OWN + t, t) for t in (plan.triggers if plan else [])]
        own_coping = [(OWN + c, c) for c in (plan.coping if plan else [])]
        self.triggers.choices = TRIGGERS + own_triggers
        self.coping.choices = own_coping + COPING

    def validate_day(self, field):
        if field.data:
            try:
                date.fromisoformat(field.data)
            except ValueError as e:
                raise ValidationError(_l("Please reload the page and try again.")) from e

    def validate_idempotency_key(self, field):
        if field.data and not KEY.match(field.data):
            raise ValidationError(_l("Please reload the page and try again."))

    def keep_past_choices(self, checkin) -> None:
        """Keep choices an earlier answer used, even if the plan no longer lists them."""
        for field, stored in ((self.triggers, checkin.triggers), (self.coping, checkin.coping)):
            known = {value for value, _ in field.choices}
            field.choices += [(v, v.removeprefix(OWN)) for v in stored if v not in known]

    def answers(self) -> dict:
        """Return the validated answers as the check-in's column values."""
        used = self.used.data == "yes"
        return {
            "mood": self.mood.data,
            "craving": self.craving.data,
            "used": used,
            "used_what": self.used_what.data if used else "",
            "sleep": self.sleep.data,
            "triggers": list(dict.fromkeys(self.triggers.data or [])),
            "coping": list(dict.fromkeys(self.coping.data or [])),
            "confidence": self.confidence.data,
            "self_harm": self.self_harm.data == "yes",
            "note": self.note.data,
        }

    def fill_from(self, checkin) -> None:
        """Show a saved check-in's answers, for editing it the same day."""
        self.mood.data, self.craving.data = checkin.mood, checkin.craving
        self.used.data = "yes" if checkin.used else "no"
        self.used_what.data, self.sleep.data = checkin.used_what, checkin.sleep
        self.triggers.data, self.coping.data = list(checkin.triggers), list(checkin.coping)
        self.confidence.data = checkin.confidence
        self.self_harm.data = "yes" if checkin.self_harm else "no"
        self.note.data = checkin.note


REVIEW_ACTION_LABELS = [
    ("called_client", _l("Called the client")),
    ("safety_plan", _l("Went over the safety plan")),
    ("crisis_referral", _l("Referred to crisis services")),
    ("other", _l("Other (say what in the note)")),
]


def review_action_label(value: str) -> str:
    """Return the words for a stored review action."""
    return str(dict(REVIEW_ACTION_LABELS).get(value, value))


class ReviewForm(Form):
    action = Choice(_l("What did you do?"), _l("Choose what you did."))
    note = StringField(_l("Note"), filters=[strip], validators=[Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = REVIEW_ACTION_LABELS

    def validate_note(self, field):
        if self.action.data == "other" and not field.data:
            raise ValidationError(_l("Say in a few words what you did."))
