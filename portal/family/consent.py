"""Consent under 42 CFR Part 2 section 2.31: what it must say, signing, inviting, revoking."""

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, select

from ..extensions import db
from ..schedule.models import Enrollment, SeriesFamilyMember, SessionSeries
from ..timeutil import clinic_zone, utcnow
from .models import ConsentGrant, FamilyInvitation

INVITATION_DAYS = 7
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread


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


def program_end(client) -> date | None:
    """Return the last day of a client's planned program, if it has dates."""
    row = db.session.scalar(select(Enrollment).where(Enrollment.client_id == client.id))
    if row is None:
        return None
    return row.start_date + timedelta(weeks=row.planned_weeks) - timedelta(days=1)


def revocation_sentence() -> str:
    return _(
        "I can take back (revoke) this consent at any time, in writing, here in the app. "
        "Taking it back does not undo what was already shared because of it."
    )


def consent_text(grant: ConsentGrant) -> str:
    """Write out the consent with every element section 2.31(a) asks for."""
    lines = [
        _("Consent to share information"),
        _(
            "I, %(client)s, allow %(discloser)s to share %(what)s with %(recipient)s "
            "(%(relationship)s, %(email)s).",
            client=grant.client_name,
            discloser=grant.discloser,
            what=grant.disclosed,
            recipient=grant.recipient_name,
            relationship=grant.recipient_relationship,
            email=grant.recipient_email,
        ),
        _(
            "Nothing else is shared: no check-ins, homework, other sessions, attendance, progress, "
            "diagnosis or treatment plan."
        ),
        _("Purpose: %(purpose)s.", purpose=grant.purpose),
        revocation_sentence(),
        _("This consent ends %(expiry)s, unless I take it back sooner.", expiry=grant.expiry_text),
        _(
            "Signed: %(signature)s, on %(date)s.",
            signature=grant.signature,
            date=grant.signed_at.astimezone(clinic_zone()).strftime("%Y-%m-%d %H:%M %Z"),
        ),
    ]
    return "\n\n".join(lines)


def missing_elements(grant: ConsentGrant) -> list[str]:
    """Name each required element the consent (or its signed text) lacks."""
    fields = {
        "client name": grant.client_name,
        "who may disclose": grant.discloser,
        "what is disclosed": grant.disclosed,
        "recipient": grant.recipient_name,
        "purpose": grant.purpose,
        "expiry": grant.expiry_text,
        "signature": grant.signature,
    }
    missing = [name for name, value in fields.items() if not (value or "").strip()]
    if grant.signed_at is None or grant.expires_at is None:
        missing.append("date")
    text = grant.text or ""
    for name, value in fields.items():
        if name not in missing and value.strip() not in text:
            missing.append(f"{name} in the text")
    if revocation_sentence() not in text:
        missing.append("right to revoke")
    return missing


def draft_consent(
    client,
    recipient_name: str,
    relationship: str,
    email: str,
    expires_on: date,
    signature: str,
    now: datetime | None = None,
) -> ConsentGrant:
    """Write a consent with its full text, not yet stored (to show before signing)."""
    now = now or utcnow()
    end = datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=clinic_zone())
    grant = ConsentGrant(
        client_id=client.id,
        client_name=client.name,
        recipient_name=recipient_name,
        discloser=current_app.config["CLINIC_NAME"],
        disclosed=_("the dates, times and locations of family therapy sessions that include you"),
        recipient_relationship=relationship,
        recipient_email=email.strip().lower(),
        purpose=_("at my request"),
        expires_at=end,
        signature=signature,
        signed_at=now,
        expiry_text=_("at the end of the day on %(date)s", date=expires_on.isoformat()),
    )
    grant.text = consent_text(grant)
    return grant


def sign_consent(
    client,
    recipient_name: str,
    relationship: str,
    email: str,
    expires_on: date,
    signature: str,
    now: datetime | None = None,
) -> ConsentGrant:
    """Record a signed consent, or raise ConsentIncomplete and store nothing."""
    grant = draft_consent(client, recipient_name, relationship, email, expires_on, signature, now)
    missing = missing_elements(grant)
    if missing:
        raise ConsentIncomplete(missing)
    db.session.add(grant)
    db.session.commit()
    return grant


def invite(grant: ConsentGrant, now: datetime | None = None) -> tuple[str, str]:
    """Make a one-time invitation (a link token and a short code) for 7 days; older ones end."""
    now = now or utcnow()
    for old in db.session.scalars(
        select(FamilyInvitation).where(
            FamilyInvitation.consent_id == grant.id, FamilyInvitation.used_at.is_(None)
        )
    ):
        old.used_at = now
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


def find_invitation(secret: str, now: datetime | None = None) -> FamilyInvitation | None:
    """Return the usable invitation for a link token or a code, or None."""
    now = now or utcnow()
    if not secret or len(secret) > 64:
        return None
    code = normal_code(secret)
    if len(code) == 10 and set(code) <= set(CODE_ALPHABET):
        where = FamilyInvitation.code_hash == _hash(code)
    else:
        where = FamilyInvitation.token_hash == _hash(secret.strip())
    invitation = db.session.scalar(select(FamilyInvitation).where(where))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        return None
    if not invitation.consent.is_valid(now):
        return None
    return invitation


def accept(invitation: FamilyInvitation, family_user, now: datetime | None = None) -> ConsentGrant:
    """Connect a consent to the family member's account and spend the invitation."""
    invitation.used_at = now or utcnow()
    invitation.consent.family_id = family_user.id
    db.session.commit()
    return invitation.consent


def revoke(grant: ConsentGrant, now: datetime | None = None) -> None:
    """Take a consent back: from the next request the family member sees nothing of it."""
    grant.revoked_at = now or utcnow()
    for invitation in db.session.scalars(
        select(FamilyInvitation).where(
            FamilyInvitation.consent_id == grant.id, FamilyInvitation.used_at.is_(None)
        )
    ):
        invitation.used_at = grant.revoked_at
    db.session.commit()


def valid_consent(family_id, client_id):
    """A SQL condition: this family member holds a valid consent from this client right now."""
    return and_(
        ConsentGrant.family_id == family_id,
        ConsentGrant.client_id == client_id,
        ConsentGrant.revoked_at.is_(None),
        ConsentGrant.expires_at > utcnow(),
    )


def consented_family_series(family_user):
    """A query for the family sessions a family member is on, under a valid consent."""
    return (
        select(SessionSeries)
        .join(SeriesFamilyMember, SeriesFamilyMember.series_id == SessionSeries.id)
        .join(ConsentGrant, valid_consent(family_user.id, SessionSeries.client_id))
        .where(SeriesFamilyMember.family_id == family_user.id, SessionSeries.kind == "family")
    )


def record_family_disclosures(family_user, what: str) -> None:
    """Log a disclosure to a family member under each consent it relies on."""
    from ..audit.log import record_view

    for grant in consents_for_family(family_user):
        record_view(grant.client, what, actor=family_user, consent_id=grant.id, action="disclose")


def within_consent(items, family_user, now: datetime | None = None) -> list:
    """Keep the occurrences a family member may see: those that begin before the consent for
    their client ends (a session after the end date is not covered by it)."""
    ends = {g.client_id: g.expires_at for g in consents_for_family(family_user, now)}
    return [o for o in items if o.series.client_id in ends and o.start < ends[o.series.client_id]]


def consents_of_client(client) -> list[ConsentGrant]:
    """Return every consent a client has signed, newest first."""
    return list(
        db.session.scalars(
            select(ConsentGrant)
            .where(ConsentGrant.client_id == client.id)
            .order_by(ConsentGrant.signed_at.desc())
        )
    )


def consents_for_family(family_user, now: datetime | None = None) -> list[ConsentGrant]:
    """Return the valid consents a family member holds, one per client."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(ConsentGrant)
        .where(
            ConsentGrant.family_id == family_user.id,
            ConsentGrant.revoked_at.is_(None),
            ConsentGrant.expires_at > now,
        )
        .order_by(ConsentGrant.client_name)
    )
    return list(rows)
