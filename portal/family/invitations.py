"""Signing a consent for a family member, inviting them, and binding acceptance to that person."""

import hashlib
import hmac
import logging
import secrets
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..consent.models import ConsentGrant
from ..consent.rules import revoke
from ..consent.text import consent_text, expiry_text, missing_elements
from ..extensions import db
from ..schedule.models import Enrollment
from ..timeutil import clinic_zone
from .models import FamilyInvitation

INVITATION_DAYS = 7
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
security_log = logging.getLogger("portal.security")


class ConsentIncomplete(ValueError):
    """A consent missing a required element cannot be saved."""

    def __init__(self, missing: list[str]):
        super().__init__("consent is missing: " + ", ".join(missing))
        self.missing = missing


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normal_code(text: str) -> str:
    """Read a typed code the forgiving way: any case, spaces and dashes ignored."""
    return text.replace("-", "").replace(" ", "").strip().upper()


def is_code(text: str) -> bool:
    code = normal_code(text)
    return len(code) == 10 and set(code) <= set(CODE_ALPHABET)


def program_end(client) -> date | None:
    """Return the last day of a client's planned program, if it has dates."""
    row = db.session.scalar(select(Enrollment).where(Enrollment.client_id == client.id))
    if row is None:
        return None
    return row.start_date + timedelta(weeks=row.planned_weeks) - timedelta(days=1)


def draft_consent(
    client,
    recipient_name: str,
    relationship: str,
    email: str,
    expires_on: date,
    signature: str,
    now: datetime,
    representative: tuple[str, str] = ("", ""),
) -> ConsentGrant:
    """Write a consent with its full text, not yet stored (to show before signing)."""
    zone = clinic_zone()
    end = datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=zone)
    grant = ConsentGrant(
        client_id=client.id,
        client_name=client.name,
        recipient_name=recipient_name,
        discloser=current_app.config["CLINIC_NAME"],
        disclosed=_(
            "the dates, times and places (or video links) of the family therapy sessions "
            "%(recipient)s is invited to, and notes written for them about those sessions",
            recipient=recipient_name,
        ),
        recipient_relationship=relationship,
        recipient_email=email.strip().lower(),
        purpose=_("at my request"),
        expires_at=end,
        signature=signature,
        representative_name=representative[0].strip(),
        representative_relationship=representative[1].strip(),
        signed_at=now,
        expiry_text=expiry_text(expires_on),
        language=get_locale().language,  # the language the text below is written in
    )
    grant.text = consent_text(grant, zone)
    return grant


def sign_consent(client, *args, **kwargs) -> ConsentGrant:
    """Write and record a signed consent, or raise ConsentIncomplete and store nothing."""
    return store_consent(draft_consent(client, *args, **kwargs))


def store_consent(grant: ConsentGrant) -> ConsentGrant:
    """Record a drafted consent, or raise ConsentIncomplete and store nothing."""
    missing = missing_elements(grant)
    if missing:
        raise ConsentIncomplete(missing)
    db.session.add(grant)
    db.session.commit()
    return grant


def _spend_open_invitations(grant: ConsentGrant, now: datetime) -> None:
    for old in db.session.scalars(
        select(FamilyInvitation).where(
            FamilyInvitation.consent_id == grant.id, FamilyInvitation.used_at.is_(None)
        )
    ):
        old.used_at = now


def invite(grant: ConsentGrant, now: datetime) -> tuple[str, str]:
    """Make a one-time invitation (a link token and a short code) for 7 days; older ones end."""
    _spend_open_invitations(grant, now)
    token = secrets.token_urlsafe(24)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    db.session.add(
        FamilyInvitation(
            consent_id=grant.id,
            token_hash=_hash(token),
            code_hash=_hash(code),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
    )
    db.session.commit()
    return token, code


def find_invitation(secret: str, now: datetime) -> FamilyInvitation | None:
    """Return the usable invitation for a link token or a code, or None."""
    if not secret or len(secret) > 64:
        return None
    if is_code(secret):
        where = FamilyInvitation.code_hash == _hash(normal_code(secret))
    else:
        where = FamilyInvitation.token_hash == _hash(secret.strip())
    invitation = db.session.scalar(select(FamilyInvitation).where(where))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        return None
    if not invitation.consent.is_valid(now):
        return None
    return invitation


def proves_recipient(invitation: FamilyInvitation, secret: str, proof: str) -> bool:
    """Tell whether `proof` is something only the named recipient has, besides `secret`.

    With the link, that is the code the client read to them or the email they were invited at;
    with the code, it is the email (the code cannot prove itself). A miss is logged."""
    typed = (proof or "").strip()
    email_ok = hmac.compare_digest(typed.lower(), invitation.consent.recipient_email)
    code_ok = (
        not is_code(secret)
        and is_code(typed)
        and hmac.compare_digest(_hash(normal_code(typed)), invitation.code_hash)
    )
    if not (email_ok or code_ok):
        security_log.warning("invitation proof refused invitation=%s", invitation.id)
    return email_ok or code_ok


def is_recipient_account(invitation: FamilyInvitation, person) -> bool:
    """Tell whether a signed-in account is the one the consent names (by its email)."""
    ok = person.email.strip().lower() == invitation.consent.recipient_email
    if not ok:
        security_log.warning("invitation account mismatch invitation=%s", invitation.id)
    return ok


def accept(invitation: FamilyInvitation, family_user, now: datetime) -> ConsentGrant:
    """Connect a consent to the family member's account and spend the invitation."""
    invitation.used_at = now
    invitation.consent.family_id = family_user.id
    db.session.commit()
    return invitation.consent


def stop_sharing(grant: ConsentGrant, now: datetime) -> None:
    """Revoke a consent and end its unused invitations."""
    _spend_open_invitations(grant, now)
    revoke(grant, now)
