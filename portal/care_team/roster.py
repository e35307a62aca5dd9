"""Queries behind the care team's lists."""

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..extensions import db


def client_rows(query: str = "", limit: int = 200) -> list[User]:
    """Return clients whose name or email contains the query, by name, with their counselor."""
    stmt = (
        select(User)
        .where(User.role == "client")
        .options(joinedload(User.counselor))
        .order_by(User.name)
        .limit(limit)
    )
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.email.ilike(like)))
    return list(db.session.scalars(stmt))


def staff_members() -> list[User]:
    """Return the care team, by name."""
    return list(db.session.scalars(select(User).where(User.role == "staff").order_by(User.name)))
