"""The client's recovery plan, and the people they can call when things are hard."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..data_versions import owned_by_client
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


class RecoveryPlan(db.Model):
    """What a client wrote with their counselor: one plan per client, lists of short lines."""

    __tablename__ = "recovery_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    triggers: Mapped[list] = mapped_column(JSON, default=list)
    warning_signs: Mapped[list] = mapped_column(JSON, default=list)
    coping: Mapped[list] = mapped_column(JSON, default=list)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    show_days_in_program: Mapped[bool] = mapped_column(default=False)
    show_days_since_use: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # `user.recovery_plan` (None until saved) lets the check-in read the client's own triggers
    # and coping without importing this package: recovery_plan sits above checkins.
    client = relationship("User", backref=backref("recovery_plan", uselist=False))


# What pages may keep in a cache changes with these (portal/data_versions.py).
owned_by_client(SupportContact, "client_id")
owned_by_client(RecoveryPlan, "client_id")
