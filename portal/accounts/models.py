"""People who sign in, their server-side sessions and their one-time setup links."""

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_versions import new_version, owned_by_client
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

ROLES = ("client", "family", "staff")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    is_admin: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    # Indexed: a counselor's home finds their clients (and their groups) on every visit.
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the person's current second factor was confirmed; None while they have none. Kept on
    # the user row so the "staff must have one" check costs no query on every request.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A client's discharge (accounts/program.py): the last day of the program, and why.
    discharged_on: Mapped[date | None] = mapped_column(Date)
    discharge_reason: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # When a closed account's personal data was deleted (portal/retention.py).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changes with anything of this client's that pages keep in a cache (portal/data_versions.py).
    data_version: Mapped[int] = mapped_column(BigInteger, default=new_version, server_default="0")

    counselor: Mapped["User | None"] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_client(self) -> bool:
        return self.role == "client"

    @property
    def is_family(self) -> bool:
        return self.role == "family"

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    @property
    def has_second_factor(self) -> bool:
        return self.second_factor_at is not None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


# The account row itself: a discharge or a new language changes what their pages show.
owned_by_client(User, "id")


class UserSession(db.Model):
    """A signed-in browser; the cookie holds only a random id whose hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    keep_signed_in: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SetupLink(db.Model):
    """A one-time link with which a new account holder sets their own password."""

    __tablename__ = "setup_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TotpFactor(db.Model):
    """An authenticator app's shared key, kept once the person typed a code from it."""

    __tablename__ = "totp_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The 30-second step of the last accepted code: a code is good once, never again.
    last_step: Mapped[int | None]


class RecoveryCode(db.Model):
    """One of ten one-time codes for when the phone is lost; only a hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Passkey(db.Model):
    """A passkey (WebAuthn credential) the person made on a phone or a security key.

    Only the public key is kept; the private key never leaves the person's device. `last_used_at`
    lets a sign-in take an assertion once: one made for a challenge issued before the passkey's
    last use is refused, so a copied assertion cannot be played again.
    """

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
