"""Queries behind the care team's lists."""

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..extensions import db


def client_rows(query: str = "", limit: int = 200, counselor: User | None = None):
    """Return clients whose name or email contains the query, by name, with their counselor,
    and whether the list is the counselor's own clients.

    With no query and a `counselor` who has clients: their caseload, the list they work from
    (a clinic of thousands is no list); a search always looks through the whole clinic."""
    stmt = (
        select(User)
        .where(User.role == "client")
        .options(joinedload(User.counselor))
        .order_by(User.name)
        .limit(limit)
    )
    if query.strip():
        like = f"%{query.strip().lower()}%"
        found = stmt.where(or_(User.name.ilike(like), User.email.ilike(like)))
        return list(db.session.scalars(found)), False
    if counselor is not None:
        own = list(db.session.scalars(stmt.where(User.counselor_id == counselor.id)))
        if own:
            return own, True
    return list(db.session.scalars(stmt)), False


def staff_members() -> list[User]:
    """Return the care team, by name."""
    return list(db.session.scalars(select(User).where(User.role == "staff").order_by(User.name)))
