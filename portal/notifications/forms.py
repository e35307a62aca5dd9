"""The reminder preferences form; each person sees only the choices that apply to them."""

from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from ..forms import Form, strip

OFF = ""


def _lead(minutes: int):
    if minutes < 60:
        return _l("%(n)d minutes before", n=minutes)
    if minutes == 60:
        return _l("1 hour before")
    return _l("%(n)d hours before", n=minutes // 60)


def _minutes(values):
    return [(OFF, _l("Off"))] + [(str(m), _lead(m)) for m in values]


def _hours(values):
    return [(OFF, _l("Off"))] + [(str(h), _lead(h * 60)) for h in values]


def _times(first: int, last: int, step: int = 30, off: bool = True):
    choices = [(OFF, _l("Off"))] if off else []
    for minutes in range(first * 60, last * 60 + 1, step):
        hour, minute = divmod(minutes, 60)
        value = f"{hour:02d}:{minute:02d}"
        # Shown the way the clinic's clients read a clock: 8:00 PM.
        label = f"{(hour - 1) % 12 + 1}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
        choices.append((value, label))
    return choices


def as_time(value: str) -> time | None:
    return time.fromisoformat(value) if value else None


def as_number(value: str) -> int | None:
    return int(value) if value else None


def as_choice(value) -> str:
    if value is None:
        return OFF
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


class PreferencesForm(Form):
    session_lead_minutes = SelectField(
        _l("Before each session"), choices=_minutes([15, 30, 60, 120]), filters=[strip]
    )
    session_evening_before = BooleanField(_l("The evening before, at 7 PM"))
    homework_lead_hours = SelectField(
        _l("Before homework is due"), choices=_hours([2, 6, 24, 48]), filters=[strip]
    )
    homework_overdue = BooleanField(_l("When homework is overdue"))
    checkin_time = SelectField(
        _l("Daily check-in reminder"), choices=_times(6, 23), filters=[strip]
    )
    quiet_start = SelectField(_l("Quiet from"), choices=_times(0, 23, 60), filters=[strip])
    quiet_end = SelectField(
        _l("Quiet until"), choices=_times(0, 23, 60, off=False), filters=[strip]
    )
    detailed_text = BooleanField(
        _l("Show details (like the kind of session and the room) in reminders")
    )
    flag_alerts = BooleanField(_l("A check-in of one of my clients is flagged"))
    notice_alerts = BooleanField(_l("A client of mine says they can't make it or will be late"))
    handed_in_alerts = BooleanField(_l("A client of mine hands in homework"))

    # Which fields each kind of person sees. Family members get family-session reminders only.
    FIELDS = {
        "client": (
            "session_lead_minutes",
            "session_evening_before",
            "homework_lead_hours",
            "homework_overdue",
            "checkin_time",
            "quiet_start",
            "quiet_end",
            "detailed_text",
        ),
        "family": (
            "session_lead_minutes",
            "session_evening_before",
            "quiet_start",
            "quiet_end",
            "detailed_text",
        ),
        "staff": ("flag_alerts", "notice_alerts", "handed_in_alerts", "quiet_start", "quiet_end"),
    }
    NUMBERS = ("session_lead_minutes", "homework_lead_hours")
    TIMES = ("checkin_time", "quiet_start", "quiet_end")
    SWITCHES = (
        "session_evening_before",
        "homework_overdue",
        "detailed_text",
        "flag_alerts",
        "notice_alerts",
        "handed_in_alerts",
    )


def form_for(person, prefs, submitted: bool = False) -> PreferencesForm:
    """Build the form for a person, filled from their preferences, without others' fields."""
    data = {}
    for name in PreferencesForm.NUMBERS + PreferencesForm.TIMES:
        data[name] = as_choice(getattr(prefs, name))
    for name in PreferencesForm.SWITCHES:
        data[name] = getattr(prefs, name)
    # Without formdata=None, Flask-WTF would read the request's form even on a GET.
    form = PreferencesForm(data=data) if submitted else PreferencesForm(formdata=None, data=data)
    keep = PreferencesForm.FIELDS.get(person.role)
    if keep is not None:
        for field in list(form):
            if field.name not in keep and field.name != "csrf_token":
                delattr(form, field.name)
    return form


def apply(form: PreferencesForm, prefs) -> None:
    """Copy the form's choices onto the preferences (only the fields this person has)."""
    for field in form:
        if field.name in PreferencesForm.NUMBERS:
            setattr(prefs, field.name, as_number(field.data))
        elif field.name in PreferencesForm.TIMES:
            setattr(prefs, field.name, as_time(field.data))
        elif field.name in PreferencesForm.SWITCHES:
            setattr(prefs, field.name, bool(field.data))
