"""Passkeys (WebAuthn) as a second factor, the one the portal suggests first.

The ceremonies are py_webauthn's: it checks the challenge, the origin, the relying party, the
flags and the signature. What is ours: the relying party is the public address (one rule for
the address people use, `portal/addresses.py`), a challenge waits in the signed session cookie
with the instant it was issued, and a passkey takes an assertion only if it has not been used
since that instant (one conditional UPDATE), so an assertion cannot be played twice.
Rules take `now` from their caller.
"""

import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..addresses import public_base
from ..extensions import db
from .models import Passkey, User
from .second_factor import confirmed_factor, end_all_sessions, issue_recovery_codes

RP_NAME = "Client portal"  # neutral on purpose, like the authenticator app's entry
MAX_PASSKEYS = 10
# A ceremony started longer ago than this is refused; the browser's own timeout is 2 minutes.
CHALLENGE_SECONDS = 300


class PasskeyError(ValueError):
    """The browser's answer could not be taken; the message is for the log, not the person."""


@dataclass(frozen=True)
class Challenge:
    """What waits in the session between showing a ceremony and its answer."""

    value: str  # base64url
    issued: float  # seconds since the epoch

    def as_dict(self) -> dict:
        return {"c": self.value, "t": self.issued}

    @classmethod
    def from_dict(cls, data) -> "Challenge | None":
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        if not isinstance(data.get("t"), int | float):
            return None
        return cls(data["c"], float(data["t"]))


def relying_party() -> tuple[str, str]:
    """Return the relying party id (the public host name) and the origin passkeys belong to."""
    origin = public_base()
    return urlsplit(origin).hostname or "localhost", origin


def possible() -> bool:
    """Say whether this address can have passkeys: browsers refuse an IP address as the site
    (the demo on 127.0.0.1; http://localhost works)."""
    try:
        ipaddress.ip_address(relying_party()[0])
    except ValueError:
        return True
    return False


def passkeys_of(user: User) -> list[Passkey]:
    return list(
        db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
    )


def _challenge(now: datetime) -> tuple[bytes, Challenge]:
    raw = secrets.token_bytes(32)
    return raw, Challenge(bytes_to_base64url(raw), now.timestamp())


def registration_options(user: User, now: datetime) -> tuple[str, Challenge]:
    """Return the options for making a passkey (JSON for the page) and the challenge to keep."""
    rp_id, _origin = relying_party()
    raw, challenge = _challenge(now)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=f"portal-user-{user.id}".encode(),
        user_name=user.email,
        user_display_name=user.name,
        challenge=raw,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in passkeys_of(user)
        ],
    )
    return options_to_json(options), challenge


def authentication_options(user: User, now: datetime) -> tuple[str, Challenge]:
    """Return the options for signing in with one of the person's passkeys, and the challenge."""
    rp_id, _origin = relying_party()
    raw, challenge = _challenge(now)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=raw,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in passkeys_of(user)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), challenge


def _fresh(challenge: Challenge | None, now: datetime) -> Challenge:
    if challenge is None:
        raise PasskeyError("no ceremony was started")
    if not 0 <= now.timestamp() - challenge.issued <= CHALLENGE_SECONDS:
        raise PasskeyError("the ceremony started too long ago")
    return challenge


def _parsed(answer: str) -> dict:
    try:
        data = json.loads(answer)
    except (TypeError, ValueError) as error:
        raise PasskeyError("the answer is not JSON") from error
    if not isinstance(data, dict):
        raise PasskeyError("the answer is not an object")
    return data


def add_passkey(
    user: User, answer: str, name: str, challenge: Challenge | None, now: datetime
) -> list[str] | None:
    """Keep a passkey the browser just made. Return new recovery codes when it is the person's
    first second factor (they are shown once), else None.

    Every session of the person ends, as with any change to how they prove who they are; the
    caller starts a new one for this browser.
    """
    challenge = _fresh(challenge, now)
    if len(passkeys_of(user)) >= MAX_PASSKEYS:
        raise PasskeyError("too many passkeys")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=_parsed(answer),
            expected_challenge=base64url_to_bytes(challenge.value),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError(f"registration refused: {error}") from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyError("this passkey is already registered")
    db.session.add(
        Passkey(
            user_id=user.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name,
            created_at=now,
        )
    )
    first = not user.has_second_factor
    if first:
        user.second_factor_at = now
    end_all_sessions(user)  # commits the passkey with it
    return issue_recovery_codes(user, now) if first else None


def check_passkey(user: User, answer: str, challenge: Challenge | None, now: datetime) -> bool:
    """Accept a sign-in answer made by one of the person's passkeys, once."""
    try:
        challenge = _fresh(challenge, now)
        data = _parsed(answer)
        passkey = db.session.scalar(
            select(Passkey).where(
                Passkey.user_id == user.id, Passkey.credential_id == str(data.get("id", ""))
            )
        )
        if passkey is None:
            raise PasskeyError("not one of this person's passkeys")
        rp_id, origin = relying_party()
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=base64url_to_bytes(challenge.value),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (PasskeyError, WebAuthnException, ValueError, KeyError, TypeError):
        return False
    issued = datetime.fromtimestamp(challenge.issued, UTC)
    taken = db.session.execute(
        update(Passkey)
        .where(
            Passkey.id == passkey.id,
            or_(Passkey.last_used_at.is_(None), Passkey.last_used_at < issued),
        )
        .values(sign_count=verified.new_sign_count, last_used_at=now)
    )
    db.session.commit()
    return taken.rowcount == 1


def is_last_factor(user: User) -> bool:
    """Say whether one passkey is all the person has to sign in with (recovery codes aside)."""
    return len(passkeys_of(user)) <= 1 and confirmed_factor(user) is None


def remove_passkey(user: User, passkey_id: int) -> bool:
    """Remove one of the person's passkeys and end their sessions; say whether it was theirs."""
    removed = db.session.execute(
        delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)
    )
    if removed.rowcount != 1:
        db.session.rollback()
        return False
    end_all_sessions(user)
    return True
