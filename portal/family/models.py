"""Consent (42 CFR Part 2, section 2.31) and the invitation a family member accepts."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class ConsentGrant(db.Model):
    """A client's written consent to show one family member their family-session dates."""

    __tablename__ = "consent_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_name: Mapped[str] = mapped_column(String(120))
    discloser: Mapped[str] = mapped_column(String(200))
    disclosed: Mapped[str] = mapped_column(String(300))
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_relationship: Mapped[str] = mapped_column(String(80))
    recipient_email: Mapped[str] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expiry_text: Mapped[str] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The words exactly as the client saw and signed them.
    text: Mapped[str] = mapped_column(Text)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("User", foreign_keys=[client_id])
    family = relationship("User", foreign_keys=[family_id])

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active" if self.family_id else "invited"


class FamilyInvitation(db.Model):
    """The one-time link and code that connect a consent to a family member's account."""

    __tablename__ = "family_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(
        ForeignKey("consent_grants.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consent: Mapped[ConsentGrant] = relationship()
