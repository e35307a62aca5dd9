"""Homework from the care team: assign, do, hand in, get feedback."""

from ..schedule.sections import add_group_section
from .rules import group_homework
from .views import bp

bp.record_once(lambda state: add_group_section(state.app, "homework/_group.html", group_homework))
