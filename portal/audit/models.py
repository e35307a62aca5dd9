"""The audit log: every view of a client's data by anyone but that client."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    what: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[int | None]
    # For a disclosure to a family member: the consent it relied on.
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent_grants.id"), index=True)

    actor = relationship("User", foreign_keys=[actor_id])
    client = relationship("User", foreign_keys=[client_id])
