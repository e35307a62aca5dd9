"""Homework from the care team: assign, do, hand in, get feedback."""

from .views import bp  # noqa: F401
