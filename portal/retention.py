"""Deleting a closed account's personal data once the clinic's retention period has passed.

What a client's data is, is read off the schema rather than listed by hand: every row whose
foreign key to the person (or to one of their rows, and so on) says ON DELETE CASCADE is theirs,
as the database itself would see it if the person were deleted. So a table added later is
covered the day it is added. Two kinds of record are kept, as the issue and 42 CFR part 2 ask:
the audit log (who saw the record, what was disclosed) and the consents with their text. The
person's row stays too, emptied of name, email and password, so those records still point at
something. SQLite does not enforce cascades here, so the deletes are made explicitly, children
first.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from .accounts.models import User
from .accounts.program import CLOSED, stage
from .extensions import db

KEPT = {"audit_events", "consent_grants", "family_invitations", "users"}


def _owned_rows(user_id: int) -> dict:
    """Return {table: condition selecting this person's rows}, parents before children."""
    users = db.metadata.tables["users"]
    doomed = {}
    for table in db.metadata.sorted_tables:
        if table.name in KEPT:
            continue
        conditions = []
        for fk in table.foreign_keys:
            if fk.ondelete != "CASCADE":
                continue
            parent = fk.column.table
            if parent is users:
                conditions.append(fk.parent == user_id)
            elif parent in doomed:
                pk = fk.column
                conditions.append(fk.parent.in_(select(pk).where(doomed[parent])))
        if conditions:
            doomed[table] = or_(*conditions)
    return doomed


def due_for_erasure(now: datetime) -> list[User]:
    """Return closed accounts whose retention period has passed and that still hold data."""
    keep = timedelta(days=current_app.config["RETENTION_DAYS"])
    discharged = db.session.scalars(
        select(User).where(User.discharged_on.is_not(None), User.erased_at.is_(None))
    )
    result = []
    for user in discharged:
        standing = stage(user, now=now)
        if standing.name == CLOSED and standing.closes_at + keep <= now:
            result.append(user)
    return result


def erase(user: User, *, now: datetime) -> dict[str, int]:
    """Delete the person's data (all but the kept records); return rows deleted per table."""
    doomed = _owned_rows(user.id)
    counts = {}
    for table in db.metadata.sorted_tables:
        # A SET NULL reference from a kept or shared row to a row about to go.
        for fk in table.foreign_keys:
            parent = fk.column.table
            if fk.ondelete == "SET NULL" and parent in doomed and parent.name != "users":
                db.session.execute(
                    update(table)
                    .where(fk.parent.in_(select(fk.column).where(doomed[parent])))
                    .values({fk.parent.name: None})
                )
    for table in reversed(db.metadata.sorted_tables):
        if table in doomed:
            counts[table.name] = db.session.execute(delete(table).where(doomed[table])).rowcount
    user.name = "Former client"
    user.email = f"erased-{user.id}@invalid"
    user.password_hash = None
    user.locale = None
    user.active = False
    user.counselor_id = None
    user.second_factor_at = None
    user.erased_at = now
    db.session.commit()
    return {name: n for name, n in counts.items() if n}


def erase_due(now: datetime) -> list[tuple[int, dict[str, int]]]:
    """Erase every account due; return each one's id and what was deleted."""
    return [(user.id, erase(user, now=now)) for user in due_for_erasure(now)]


