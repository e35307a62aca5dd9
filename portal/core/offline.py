"""Which pages the service worker may keep a copy of for offline use, and the mark it looks for."""

from flask import Flask, request

# The pages a client most needs with no signal: their day, their calendar, their plan, help.
OFFLINE_PAGES = {
    "today.index",
    "schedule.calendar_page",
    "recovery_plan.plan",
    "help.crisis",
    "family.home",
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
