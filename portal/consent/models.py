"""A client's written consent (42 CFR Part 2, section 2.31) to disclose to one family member."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime


class ConsentGrant(db.Model):
    """A client's written consent to show one family member their family-session dates."""

    __tablename__ = "consent_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_name: Mapped[str] = mapped_column(String(120))
    discloser: Mapped[str] = mapped_column(String(200))
    disclosed: Mapped[str] = mapped_column(String(300))
    # The recipient the client named; fixed at signing, never editable at acceptance.
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_relationship: Mapped[str] = mapped_column(String(80))
    recipient_email: Mapped[str] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expiry_text: Mapped[str] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(String(120))
    # A guardian or other authorized representative signing for the client (e.g. a minor).
    representative_name: Mapped[str] = mapped_column(String(120), default="")
    representative_relationship: Mapped[str] = mapped_column(String(80), default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The words exactly as the client saw and signed them.
    text: Mapped[str] = mapped_column(Text)
    # The language of `text`: the client signs the version they read.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    family_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("User", foreign_keys=[client_id])
    family = relationship("User", foreign_keys=[family_id])

    def is_valid(self, now: datetime) -> bool:
        """Tell whether the consent covers a disclosure made at `now`."""
        revoked = self.revoked_at is not None and self.revoked_at <= now
        return not revoked and self.signed_at <= now < self.expires_at

    def covers(self, moment: datetime) -> bool:
        """Tell whether a session starting at `moment` falls inside the consent's window."""
        return self.signed_at <= moment < self.expires_at

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active" if self.family_id else "invited"
