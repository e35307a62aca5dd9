"""The client's own copy of what the portal holds about them: a page to read or print, and
JSON to keep. Each copy made is written to the audit log."""

import json
import re
from datetime import datetime

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import role_required
from ..audit.log import record_account_change
from ..dates import format_moment
from ..htmx import render
from ..timeutil import clinic_zone, utcnow
from .labels import label
from .rules import SECTIONS, export

bp = Blueprint("my_data", __name__)
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


bp.add_app_template_filter(label, "data_label")


@bp.app_template_filter("data_instant")
def data_instant(value):
    """Show an instant of the copy (kept in UTC in the JSON) in the clinic's time, as the rest
    of the app does; anything else as it is."""
    if not isinstance(value, str) or not INSTANT.match(value):
        return value
    return format_moment(datetime.fromisoformat(value), "day_date")


def _made(fmt: str):
    """Gather the copy and record that it was made, in one place for both formats."""
    now = utcnow()
    data = export(current_user, now=now)
    record_account_change(current_user, "export", f"my-data.{fmt}", actor=current_user, at=now)
    return data, now


@bp.get("/my-data")
@role_required("client")
def page():
    """Show everything held about the client, section by section, printable."""
    data, now = _made("html")
    return render(
        "my_data/page.html",
        data=data,
        titles=section_titles(),
        order=[key for key, _rows in SECTIONS],
        made_at=data_instant(now.isoformat()),
    )


@bp.get("/my-data.json")
@role_required("client")
def download():
    """Hand the same copy over as a JSON file."""
    data, now = _made("json")
    day = now.astimezone(clinic_zone()).date().isoformat()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="my-portal-data-{day}.json"',
            "Cache-Control": "no-store",
        },
    )


def section_titles() -> dict[str, str]:
    return {
        "profile": _("Your account"),
        "program": _("Your program"),
        "sessions": _("Your sessions"),
        "attendance": _("Attendance"),
        "notices": _("“I can't make it” and “running late”"),
        "checkins": _("Daily check-ins"),
        "recovery_plan": _("Recovery plan"),
        "support_contacts": _("Support contacts"),
        "homework": _("Homework and your answers"),
        "meetings_log": _("Meetings you logged"),
        "saved_meetings": _("Saved meetings"),
        "own_meetings": _("Meetings you added"),
        "meeting_goal": _("Meeting goal"),
        "reminder_settings": _("Reminder settings"),
        "devices": _("Devices with reminders on"),
        "calendar_feed": _("Calendar feed"),
        "sign_in": _("Signing in"),
        "consents": _("Consents to share with family"),
        "disclosures": _("What was shared with family under a consent"),
        "record_views": _("Who looked at or changed your record"),
    }
