"""Server-side sessions: the cookie carries a random id; the database decides if it is still good.

A new id at every login (ASVS 7.2.4), logout deletes the row so a replayed cookie is dead (7.4.1),
and idle and absolute timeouts (7.3.1, 7.3.2) are checked on every request, by every process.
"""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, g, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from ..data_versions import clinic_version_column, needs_clinic_version, shared_version_column
from ..extensions import db
from ..timeutil import utcnow
from .language import adopt_browser_language
from .models import User, UserSession
from .program import CLOSED, stage

# Writing last_seen on every request would turn every page view into a write.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(keep_signed_in: bool) -> timedelta:
    """Return how long a session may last at most, from its start."""
    if keep_signed_in:
        return timedelta(days=current_app.config["SESSION_REMEMBER_DAYS"])
    return timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


def start_session(user: User, keep_signed_in: bool = False) -> None:
    """Sign a user in with a fresh session id; "keep me signed in" is for clients only."""
    keep = keep_signed_in and user.is_client
    adopt_browser_language(user)
    now = utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            keep_signed_in=keep,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime(keep),
        )
    )
    db.session.commit()
    session.clear()
    session["sid"] = token
    session.permanent = keep
    login_user(user)


def is_idle(row: UserSession, now) -> bool:
    """Tell whether a session has gone unused past the idle timeout."""
    if row.keep_signed_in:
        return False
    return now - row.last_seen_at > timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


@cache
def _session_query(with_clinic_version: bool):
    """The one query of every signed-in request, built once per process (building it was a
    tenth of a kept page's time). The data versions the page caches key on come along
    (portal/client_cache.py, portal/page_cache.py): the shared one always, the clinic's for the
    pages kept under it."""
    columns = [UserSession, shared_version_column()]
    if with_clinic_version:
        columns.append(clinic_version_column())
    return (
        select(*columns)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


def load_user_for_session(user_id: str) -> User | None:
    """Return the user of this browser's session if the server still holds it as valid."""
    token = session.get("sid")
    if not token:
        return None
    clinic_wide = has_request_context() and needs_clinic_version(request.endpoint)
    found = db.session.execute(_session_query(clinic_wide), {"token_hash": _hash(token)}).first()
    row, shared_version = (found[0], found[1]) if found is not None else (None, None)
    now = utcnow()
    if row is None or str(row.user_id) != str(user_id):
        return None
    if now >= row.expires_at or is_idle(row, now):
        db.session.delete(row)
        db.session.commit()
        g.session_timed_out = True
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    if not row.user.is_active or stage(row.user, now=now).name == CLOSED:
        return None
    g.shared_data_version = shared_version
    if clinic_wide:
        g.clinic_data_version = found[2]
    return row.user


def end_session() -> None:
    """Sign out: delete the server row so the cookie is worthless even if replayed."""
    token = session.get("sid")
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))
        db.session.commit()
    logout_user()
    session.clear()
    # Flask-WTF caches this request's form token in `g`; with the session cleared it would be
    # signed for a secret the cookie no longer holds, and a page rendered now (the recovery codes
    # after a new second factor) would carry a token its own "Sign out" button is refused with.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def end_other_sessions(user: User) -> int:
    """End every session of a user but this browser's; return how many ended."""
    current = _hash(session.get("sid", ""))
    result = db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.token_hash != current)
    )
    db.session.commit()
    return result.rowcount


def purge_expired(now=None) -> int:
    """Delete sessions past their absolute end; return how many."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.expires_at <= (now or utcnow()))
    )
    db.session.commit()
    return result.rowcount
