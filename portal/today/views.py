"""The client's home page: what matters today."""

from flask import Blueprint
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.program import stage
from ..checkins.rules import checked_in_on, clinic_today
from ..homework.rules import for_today as homework_for_today
from ..htmx import render
from ..meetings.mine import today_section as meetings_for_today
from ..page_cache import cached_page
from ..recovery_plan.contacts import crisis_contacts_of
from ..schedule.calendar import today_view
from ..timeutil import clinic_zone, utcnow

bp = Blueprint("today", __name__)


@bp.get("/today")
@role_required("client")
def index():
    """Show the client's day: the next session large, then the rest of today and tomorrow."""
    zone = clinic_zone()
    now = utcnow().astimezone(zone)

    def page():
        standing = stage(current_user, now=now)
        return render(
            "today/index.html",
            now=now,
            standing=standing,
            first_name=current_user.name.split()[0],
            has_contacts=bool(crisis_contacts_of(current_user)),
            **today_view(current_user, now, zone),
            checked_in=checked_in_on(current_user, clinic_today(now)),
            homework_section=homework_for_today(current_user, now) if standing.in_program else None,
            meetings_section=meetings_for_today(current_user, now),
        )

    return cached_page(page, now=now)
