"""Making accounts: the care team creates them; the person sets their own password later."""

from sqlalchemy import func, select

from ..extensions import db
from ..forms import CONTROL
from .models import User


def email_taken(email: str) -> bool:
    """Tell whether an account already uses this email, in any letter case."""
    normal = email.strip().lower()
    if CONTROL.search(normal):  # cannot be anyone's email; PostgreSQL refuses NUL outright
        return False
    return db.session.scalar(select(User.id).where(func.lower(User.email) == normal)) is not None


def create_account(
    email: str,
    name: str,
    role: str,
    *,
    counselor: User | None = None,
    is_admin: bool = False,
    locale: str | None = None,
) -> User:
    """Create an account with no password yet; the holder sets one through a setup link."""
    if role not in ("client", "family", "staff"):
        raise ValueError(f"unknown role {role!r}")
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        is_admin=is_admin and role == "staff",
        counselor_id=counselor.id if counselor and role == "client" else None,
        locale=locale,
    )
    db.session.add(user)
    db.session.commit()
    return user
