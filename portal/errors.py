"""Error pages in the page frame, for people, and a plain JSON body for scripts."""

import logging

from flask import Flask, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from .accounts.views import throttled_login
from .extensions import db
from .htmx import render

log = logging.getLogger("portal.errors")
PLAIN_500 = (
    "Something went wrong on our side. It is not your fault. Please try again in a "
    "minute.\nIf you need help right now: call or text 988, or call 1-800-662-4357.\n"
)


def _page(status: int, title: str, message: str):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": title, "message": message}, status
    return render("errors/error.html", status=status, code=status, title=title, message=message)


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        logging.getLogger("portal.security").warning("csrf refused endpoint=%s", request.endpoint)
        return _page(
            400, _("This form has expired"), _("Please go back, reload the page and try again.")
        )

    @app.errorhandler(400)
    def bad_request(e):
        return _page(
            400, _("Something in the request was not right"), _("Please go back and try again.")
        )

    @app.errorhandler(403)
    def forbidden(e):
        return _page(403, _("Not allowed"), _("You do not have access to this page."))

    @app.errorhandler(404)
    def not_found(e):
        return _page(
            404,
            _("Page not found"),
            _("We could not find that page. It may have moved, or you may not have access to it."),
        )

    @app.errorhandler(405)
    def not_allowed(e):
        return _page(405, _("That did not work"), _("Please go back and try again."))

    @app.errorhandler(413)
    def too_large(e):
        return _page(413, _("That was too much to send"), _("Please send less and try again."))

    @app.errorhandler(429)
    def too_many(e):
        if request.endpoint in ("accounts.login", "accounts.verify"):
            return throttled_login()
        return _page(
            429,
            _("Too many tries"),
            _("For your safety this is paused for a few minutes. Please wait and try again."),
        )

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        log.exception("server error endpoint=%s", request.endpoint)
        return _page(
            500,
            _("Something went wrong on our side"),
            _("It is not your fault. Please try again in a minute."),
        )
