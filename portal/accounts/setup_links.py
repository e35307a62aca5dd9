"""One-time setup links: the care team makes one, the new account holder sets their password."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..addresses import public_url
from ..extensions import db
from .models import SetupLink, User
from .passwords import hash_password


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_setup_link(user: User, now: datetime, created_by: User | None = None) -> str:
    """Make a new setup link for a user, retiring older unused ones; return the secret token."""
    db.session.execute(
        update(SetupLink)
        .where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(24)
    hours = current_app.config["SETUP_LINK_HOURS"]
    db.session.add(
        SetupLink(
            token_hash=_hash(token),
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    db.session.commit()
    return token


def setup_url(token: str) -> str:
    """Return the full address of a setup link, for a QR code or a printout."""
    return public_url("accounts.setup", token=token)


def find_valid_link(token: str, now: datetime) -> SetupLink | None:
    """Return the link for a token if it is unused and not expired."""
    link = db.session.scalar(select(SetupLink).where(SetupLink.token_hash == _hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def use_link(link: SetupLink, password: str, now: datetime) -> User | None:
    """Spend the link and set the password; None when another request spent it first.

    Spending is one conditional UPDATE, so of several uses at once exactly one wins.
    """
    password_hash = hash_password(password)  # before the update: keep the row lock short
    spent = db.session.execute(
        update(SetupLink)
        .where(SetupLink.id == link.id, SetupLink.used_at.is_(None), SetupLink.expires_at > now)
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        db.session.rollback()
        return None
    user = db.session.get(User, link.user_id)
    user.password_hash = password_hash
    db.session.commit()
    return user
