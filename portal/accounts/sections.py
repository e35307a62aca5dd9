"""Sections other features add to the settings page (calendar feed, notifications, family).

Those features sit above accounts: each registers a template and a function for its data, so
accounts imports none of them and they import no view of accounts."""

from flask import current_app


def add_settings_section(app, template: str, context) -> None:
    """Let a feature show its own section on the settings page (template, context function)."""
    app.extensions.setdefault("settings_sections", []).append((template, context))


def settings_sections() -> list[tuple[str, dict]]:
    """Return each feature's settings section with its context, for the settings page."""
    sections = current_app.extensions.get("settings_sections", [])
    return [(template, context()) for template, context in sections]
