"""The recovery plan's rules: its lists, one short line each, and the milestones a client shows."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..schedule.progress import program_day
from .models import RecoveryPlan

LISTS = ("triggers", "warning_signs", "coping", "reasons")
MAX_LINES = 20
MAX_LINE = 120
MILESTONES = (1, 7, 14, 30, 60, 90, 180, 365)


def plan_of(client) -> RecoveryPlan:
    """Return the client's plan, or an empty one (not yet saved) if they have none."""
    plan = db.session.scalar(select(RecoveryPlan).where(RecoveryPlan.client_id == client.id))
    if plan is None:
        plan = RecoveryPlan(client_id=client.id, **{name: [] for name in LISTS})
    return plan


def lines(text: str) -> list[str]:
    """Split what was typed into its non-empty lines, each trimmed, without repeats."""
    return list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))


def lines_problem(text: str):
    """Return why a list cannot be kept, or None if it can."""
    items = lines(text)
    if len(items) > MAX_LINES:
        return _("Keep it to %(n)d lines.", n=MAX_LINES)
    if any(len(item) > MAX_LINE for item in items):
        return _("Keep each line under %(n)d letters.", n=MAX_LINE)
    return None


def save_plan(
    client, values: dict, show_days_in_program: bool, show_days_since_use: bool, now: datetime
):
    """Store the plan's lists (already split into lines) and the milestone choices."""
    plan = plan_of(client)
    for name in LISTS:
        setattr(plan, name, values[name])
    plan.show_days_in_program = show_days_in_program
    plan.show_days_since_use = show_days_since_use
    plan.updated_at = now
    db.session.add(plan)
    db.session.commit()
    return plan


def milestone(days: int) -> dict:
    """Describe a count of days: the last milestone reached and the next one."""
    reached = max((m for m in MILESTONES if m <= days), default=None)
    upcoming = min((m for m in MILESTONES if m > days), default=None)
    if upcoming is None:  # past a year: every 90 days after that
        upcoming = days + 90 - (days - 365) % 90
    return {"days": days, "reached": reached, "next": upcoming}


def milestones(plan: RecoveryPlan, start: date, last_use: date | None, today: date) -> list:
    """Return the milestones the client chose to show, as (kind, description) pairs."""
    shown = []
    if plan.show_days_in_program:
        # Counted as Progress counts program weeks, so "22 days" sits in "Week 4".
        shown.append(("program", milestone(program_day(start, today))))
    if plan.show_days_since_use:
        since = last_use if last_use is not None else start
        shown.append(("since_use", milestone(max(0, (today - since).days))))
    return shown
