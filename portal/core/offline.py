"""What the service worker may keep for offline use: the pages it may copy when visited (the
server marks them), and the pages each role gets at sign-in, before they are ever visited."""

from flask import Flask, request, url_for
from flask_login import current_user

from ..accounts.views import home_url

# The pages a client most needs with no signal: their day, the check-in, their calendar, their
# plan, help, and the homework they opened (kept as they open it).
OFFLINE_PAGES = {
    "today.index",
    "checkins.today",
    "schedule.calendar_page",
    "recovery_plan.plan",
    "homework.copy",
    "help.crisis",
    "family.home",
}

# Fetched by the worker once a person is signed in, so the first visit is enough. Kept small:
# each is a few KB of HTML. Homework pages are not fetched ahead: opening one marks its feedback
# as seen. Care-team pages are never kept: a staff phone would hold many clients' records.
KEEP_AT_SIGN_IN = {
    "client": ("today.index", "checkins.today", "schedule.calendar_page", "recovery_plan.plan"),
    "family": ("family.home",),
}


def offline_plan() -> dict | None:
    """Return the signed-in person's home and the pages to keep for them, or None for none."""
    if not current_user.is_authenticated or current_user.role not in KEEP_AT_SIGN_IN:
        return None
    return {
        "home": home_url(current_user),
        "pages": [url_for(e) for e in KEEP_AT_SIGN_IN[current_user.role]],
    }


def init_offline(app: Flask) -> None:
    @app.after_request
    def mark_offline_copy(response):
        if (
            request.endpoint in OFFLINE_PAGES
            and response.status_code == 200
            and response.mimetype == "text/html"
            and not request.headers.get("HX-Request")
        ):
            response.headers["X-Offline-Copy"] = "keep"
        return response

    @app.context_processor
    def offline_context():
        return {"offline_plan": offline_plan}
