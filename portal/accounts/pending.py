"""A sign-in half done: the password was right, the second factor is still to come.

Kept in the signed session cookie, not the database: nothing is signed in yet, so there is no
server session to hold it. It names the account by id and by its throttle fingerprint, and lasts
a few minutes."""

from datetime import datetime, timedelta

from flask import session

from ..extensions import db
from .models import User

KEY = "pending_sign_in"
LASTS = timedelta(minutes=5)


def begin(user: User, fingerprint: str, keep: bool, next_url: str | None, now: datetime) -> None:
    """Remember that this browser passed the password step for this account."""
    session.clear()
    session[KEY] = {
        "uid": user.id,
        "a": fingerprint,
        "keep": bool(keep),
        "next": next_url,
        "t": int(now.timestamp()),
    }


def fingerprint() -> str | None:
    """Return the throttle fingerprint of the account half signed in, for the limiter's keys."""
    data = session.get(KEY)
    return data.get("a") if isinstance(data, dict) else None


def load(now: datetime) -> tuple[User, dict] | None:
    """Return the account waiting for its second factor and the sign-in choices, if fresh."""
    data = session.get(KEY)
    if not isinstance(data, dict) or now.timestamp() - data.get("t", 0) > LASTS.total_seconds():
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or not user.has_second_factor:
        return None
    return user, data


def clear() -> None:
    session.pop(KEY, None)
