"""Devices on and off (JSON for the page's script), the test notification, and preferences."""

from flask import Blueprint, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.views import settings_page
from ..extensions import db
from ..forms import CONTROL
from ..timeutil import utcnow
from . import cli, subscriptions
from .dispatcher import send_now
from .forms import apply, form_for
from .models import NotificationPreferences
from .reminders import default_preferences, test_reminder
from .vapid import public_key

bp = Blueprint("notifications", __name__, cli_group=None)
cli.register(bp)


def _problem(status: int, message: str, field: str = ""):
    return jsonify({"error": message, "field": field}), status


def _json_body():
    """Return the request's JSON, or None when it is missing, unreadable or nested absurdly deep.

    Python's json module recurses once per level; 5,000 levels raise RecursionError, which
    get_json(silent=True) does not catch.
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@bp.post("/push/subscriptions")
@login_required
def subscribe():
    """Keep this browser's push subscription for the signed-in person."""
    data = _json_body()
    if data is None:
        return _problem(400, _("Send the subscription as JSON."))
    try:
        fields = subscriptions.parse(data)
    except subscriptions.Invalid as e:
        return _problem(422, e.message, e.field)
    label = subscriptions.device_label(request.headers.get("User-Agent", ""))
    created = subscriptions.save(current_user, fields, label)
    return jsonify({"status": "on"}), 201 if created else 200


@bp.delete("/push/subscriptions")
@login_required
def unsubscribe():
    """Forget this browser's push subscription."""
    data = _json_body()
    if data is None:
        return _problem(400, _("Send the endpoint as JSON."))
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint or CONTROL.search(endpoint):
        return _problem(422, _("The endpoint is missing."), "endpoint")
    subscriptions.remove(current_user, endpoint)
    return jsonify({"status": "off"}), 200


@bp.post("/push/test")
@login_required
def test_notification():
    """Send a test notification to the person's devices, through the outbox like any other."""
    if not subscriptions.devices_of(current_user):
        flash(_("Turn on reminders on this phone first."))
    else:
        now = utcnow()
        report = send_now([test_reminder(current_user, now)], now)
        if report.sent:
            flash(_("Sent. It should arrive in a few seconds."))
        else:
            flash(_("It could not be sent just now. Try turning reminders off and on again."))
    return redirect(url_for("accounts.settings") + "#notifications")


def _preferences_of(person) -> NotificationPreferences:
    return db.session.get(NotificationPreferences, person.id) or default_preferences(person.id)


@bp.post("/settings/notifications")
@login_required
def preferences():
    """Save what the person wants to be reminded of, and their quiet hours."""
    prefs = _preferences_of(current_user)
    form = form_for(current_user, prefs, submitted=True)
    if form.validate_on_submit():
        stored = subscriptions.ensure_preferences(current_user)
        apply(form, stored)
        db.session.commit()
        flash(_("Saved."))
        return redirect(url_for("accounts.settings") + "#notifications")
    g.notification_form = form
    return settings_page(422)


def settings_context() -> dict:
    """Give the settings page what the reminders section needs."""
    form = g.get("notification_form") or form_for(current_user, _preferences_of(current_user))
    return {
        "form": form,
        "devices": subscriptions.devices_of(current_user),
        "public_key": public_key(),
    }
