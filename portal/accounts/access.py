"""Who may reach what: role guards for views, and the loader for a client by id."""

import logging
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from ..extensions import db
from .models import User

security_log = logging.getLogger("portal.security")


def refuse():
    """Log a refused access without personal data and answer 404, as if nothing were there."""
    who = current_user.role if current_user.is_authenticated else "anonymous"
    security_log.warning("access refused role=%s endpoint=%s", who, request.endpoint)
    abort(404)


def role_required(*roles: str):
    """Let only signed-in people with one of these roles through; others get 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                refuse()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_required(view):
    """Let only care-team administrators through."""

    @wraps(view)
    @role_required("staff")
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            refuse()
        return view(*args, **kwargs)

    return wrapped


def get_client_or_404(client_id: int) -> User:
    """Load a client for the care team; anyone else, or a non-client id, gets 404."""
    if not (current_user.is_authenticated and current_user.is_staff):
        refuse()
    client = db.session.get(User, client_id)
    if client is None or not client.is_client:
        refuse()
    return client


def get_staff_or_404(staff_id: int) -> User:
    """Load a care-team member for an administrator; anyone else gets 404."""
    if not (current_user.is_authenticated and current_user.is_staff and current_user.is_admin):
        refuse()
    member = db.session.get(User, staff_id)
    if member is None or not member.is_staff:
        refuse()
    return member
