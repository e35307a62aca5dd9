"""The pieces every deployment needs: health check, service worker, manifest, the More page."""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_from_directory, url_for
from flask_babel import gettext as _
from sqlalchemy import text

from ..accounts.access import role_required
from ..accounts.language import languages, written_for
from ..extensions import db
from ..frame import minified, static_url
from ..htmx import render

bp = Blueprint("core", __name__)

SERVICE_WORKER = Path(__file__).resolve().parents[2] / "service_worker.js"


# Minified like the static scripts (frame.MINIFIERS): the file explains itself to people
# reading the repository, and a phone on a weak signal need not download that.
WORKER_CODE = minified(SERVICE_WORKER.name, SERVICE_WORKER.read_text())
# Static files the service worker keeps so the shell and the help panel work with no network.
SHELL_FILES = ["css/app.css", "js/app.js", "js/outbox.js", "icons/icon-192.png"]


@bp.get("/healthz")
def healthz():
    """Answer 200 when the app and its database answer."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def worker_version() -> str:
    """Return a version that changes whenever the worker or any static file changes."""
    h = hashlib.sha256(WORKER_CODE.encode())
    for name, digest in sorted(current_app.extensions["static_digests"].items()):
        h.update(f"{name}:{digest}".encode())
    h.update(current_app.config["HTMX_URL"].encode())
    h.update(current_app.config["RELEASE"].encode())
    return h.hexdigest()[:12]


@bp.get("/favicon.ico")
def favicon():
    """Serve the tab icon where browsers look for it without being told."""
    response = send_from_directory(current_app.static_folder, "icons/favicon.ico")
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response


def _worker_words(code: str) -> dict:
    with written_for(code):
        return {"reminder": _("Reminder"), "offline": _("No connection right now")}


@bp.get("/service_worker.js")
def service_worker():
    """Serve the service worker from the root, so its scope is the whole app."""
    settings = {
        "version": worker_version(),
        "shell": [static_url(f) for f in SHELL_FILES],
        # The generic pages in every language, so the one the person reads is there offline.
        "pages": [
            url_for(endpoint, lang=code)
            for code in languages()
            for endpoint in ("help.crisis", "help.offline")
        ],
        "languages": languages(),
        # The worker's own few words, in every language (it has no catalog of its own).
        "words": {code: _worker_words(code) for code in languages()},
        "offlinePage": url_for("help.offline"),
        "outbox": static_url("js/outbox.js"),
        "htmx": current_app.config["HTMX_URL"],
    }
    body = f"const PORTAL = {json.dumps(settings)};\n" + WORKER_CODE
    response = Response(body, mimetype="text/javascript")
    # Every page load's register() asks for the worker again: with an ETag the answer is a
    # 304 of a few bytes, not the whole script, on a phone that already has it.
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    response.same_for_everyone = True  # security.SessionInterface: no cookie, no Vary
    return response.make_conditional(request)


@bp.get("/manifest.webmanifest")
def manifest():
    """Describe the installed app, with a name that says nothing about treatment."""
    name = current_app.config["APP_NAME"]
    data = {
        "id": "/",
        "name": name,
        "short_name": name[:12],
        "start_url": url_for("accounts.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f5f8b",
        "description": _("Your schedule and reminders."),
        "icons": [
            {
                "src": static_url("icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static_url("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static_url("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = Response(json.dumps(data), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/more")
@role_required("client")
def more():
    """List the client's other pages and settings."""
    return render("core/more.html")
