"""What a notification says: neutral unless the person chose detail, and always small.

Nothing here names treatment, a kind of session, a substance, the clinic or the person in the
title, body, tag or Topic: a lock screen is read by whoever holds the phone (42 CFR Part 2).
Detail (the kind of session and the place) appears only for someone who turned it on.
"""

import base64
import hashlib
import hmac
import json

from flask import current_app
from flask_babel import format_time, ngettext
from flask_babel import gettext as _

from ..accounts.language import written_for
from ..dates import hour_of

# Push services must take 4096 bytes; Firefox on Android refuses above ~3070. Stay well under.
MAX_PAYLOAD_BYTES = 3000
MAX_TITLE = 80
MAX_BODY = 240


def opaque_id(*parts: str) -> str:
    """Return 24 base64url characters that name a thing without saying what it is.

    Used as the notification tag (so an updated reminder replaces the old one) and as the Topic
    header, which push services see unencrypted; keyed with the app's secret so it cannot be
    traced back to a session by anyone who sees it.
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def build_payload(title: str, body: str, url: str, tag: str) -> str:
    """Return the JSON the service worker shows, cut down so it always fits."""
    data = {"title": title[:MAX_TITLE], "body": body[:MAX_BODY], "url": url, "tag": tag}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        # Only a pathological URL gets here; the home page is always a safe place to land.
        data["url"] = "/"
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text


def _at(moment, locale: str | None) -> str:
    with written_for(locale):
        return format_time(moment, "short")


def session_text(occurrence, evening: bool, detailed: bool, locale: str | None):
    """Return (title, body) for a session reminder, the evening before or shortly before."""
    when = _at(occurrence.start, locale)
    hour = hour_of(when)  # the count is the hour (see dates.hour_of)
    with written_for(locale):
        if not detailed:
            if evening:
                return _("Reminder"), ngettext(
                    "Reminder: appointment tomorrow at %(time)s",
                    "Reminder: appointment tomorrow at %(time)s",
                    hour,
                    time=when,
                )
            return _("Reminder"), ngettext(
                "Reminder: appointment at %(time)s",
                "Reminder: appointment at %(time)s",
                hour,
                time=when,
            )
        series = occurrence.series
        where = series.room or series.place or (_("Online") if series.telehealth_url else "")
        what = series.kind_label
        if evening:
            title = ngettext(
                "Tomorrow: %(what)s at %(time)s",
                "Tomorrow: %(what)s at %(time)s",
                hour,
                what=what,
                time=when,
            )
        else:
            title = ngettext(
                "%(what)s at %(time)s", "%(what)s at %(time)s", hour, what=what, time=when
            )
        return title, where or _("Open the app for details.")


def test_text(locale: str | None):
    """Return (title, body) for the "send me a test notification" button."""
    with written_for(locale):
        return _("Test"), _("Reminders work on this device.")


# Texts for the reminder kinds that arrive with other features (see reminders.py).


def homework_text(overdue: bool, locale: str | None):
    """Return (title, body) for homework due soon or overdue; never what the homework is."""
    with written_for(locale):
        if overdue:
            return _("Reminder"), _("You have something that was due")
        return _("Reminder"), _("You have something due tomorrow")


def checkin_text(locale: str | None):
    """Return (title, body) for the daily check-in reminder."""
    with written_for(locale):
        return _("Reminder"), _("Time for your daily check-in")


def meeting_text(start, locale: str | None):
    """Return (title, body) for a saved meeting."""
    with written_for(locale):
        when = _at(start, locale)
        return _("Reminder"), ngettext(
            "Reminder: meeting at %(time)s",
            "Reminder: meeting at %(time)s",
            hour_of(when),
            time=when,
        )


def review_text(locale: str | None):
    """Return (title, body) for care-team members told that a check-in was flagged (at once,
    or when it waited past the escalation time): the same neutral words either way."""
    with written_for(locale):
        return _("Reminder"), _("A check-in needs your review")


def notice_text(locale: str | None):
    """Return (title, body) for a counselor told of a client's notice about a session."""
    with written_for(locale):
        return _("Reminder"), _("New notice about a session")


def handed_in_text(locale: str | None):
    """Return (title, body) for a counselor told that homework was handed in."""
    with written_for(locale):
        return _("Reminder"), _("Something was handed in")
