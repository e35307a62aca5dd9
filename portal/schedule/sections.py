"""Sections other features add to the care team's group page (homework, for one).

Those features import schedule, so schedule cannot import them: each registers a template and
a function that loads its data for a group, and the group view calls it."""

from flask import current_app


def add_group_section(app, template: str, context) -> None:
    """Register a section for the group page: a template and `context(group)` for its data."""
    app.extensions.setdefault("group_sections", []).append((template, context))


def group_sections(group) -> list[tuple[str, object]]:
    """Return each registered section of a group's page with its data for this group."""
    sections = current_app.extensions.get("group_sections", [])
    return [(template, context(group)) for template, context in sections]
