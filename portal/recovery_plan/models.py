"""The people a client can call when things are hard."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class SupportContact(db.Model):
    __tablename__ = "support_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    relationship_: Mapped[str] = mapped_column("relationship", String(80), default="")
    phone: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship("User")

    @property
    def tel(self) -> str:
        """Return the number as a tel: URI body (digits, and a leading + if there was one)."""
        return phone_digits(self.phone)


def phone_digits(phone: str) -> str:
    """Keep the digits of a phone number, and a leading + for international numbers."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" + digits) if phone.strip().startswith("+") else digits
