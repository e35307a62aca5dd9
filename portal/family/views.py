"""The family member's home page."""

from flask import Blueprint

from ..accounts.access import role_required
from ..htmx import render

bp = Blueprint("family", __name__, url_prefix="/family")


@bp.get("/")
@role_required("family")
def home():
    """Show the family sessions this person may see under a valid consent."""
    return render("family/home.html", sessions=[])
