"""Help right now: open to everyone, signed in or not, online or not."""

from flask import Blueprint

from ..htmx import render

bp = Blueprint("help", __name__)


@bp.get("/help")
def crisis():
    """Show the crisis lines and the client's support contacts."""
    return render("help/crisis.html")


@bp.get("/offline")
def offline():
    """Show the page the service worker falls back to when a page is not available offline."""
    return render("help/offline.html")
