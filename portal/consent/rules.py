"""Which consents hold as of a moment, revoking one, and logging what was disclosed under it.

Every function takes `now` from its caller: a consent's validity never depends on the clock of
whoever asks, so the dispatcher at `--now` and a page at the real time agree."""

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..audit.log import record_view
from ..extensions import db
from .models import ConsentGrant


def _in_force(now: datetime):
    """A SQL condition: a consent signed, not yet expired and not revoked at `now`."""
    return and_(
        or_(ConsentGrant.revoked_at.is_(None), ConsentGrant.revoked_at > now),
        ConsentGrant.signed_at <= now,
        ConsentGrant.expires_at > now,
    )


def valid_consent(family_id, client_id, now: datetime):
    """A SQL condition: this family member holds a consent from this client valid at `now`."""
    return and_(
        ConsentGrant.family_id == family_id, ConsentGrant.client_id == client_id, _in_force(now)
    )


def consents_for_family(family_user, now: datetime) -> dict[int, ConsentGrant]:
    """Return the consents a family member holds at `now`, by client (the newest if several)."""
    return consents_for_families([family_user.id], now)[family_user.id]


def consents_for_families(family_ids, now: datetime) -> dict[int, dict[int, ConsentGrant]]:
    """Return the consents each family member holds at `now`, by family member and client, in
    one query (the dispatcher asks for everyone with a device on every pass)."""
    held = {i: {} for i in family_ids}
    if not held:
        return held
    rows = db.session.scalars(
        select(ConsentGrant)
        .where(ConsentGrant.family_id.in_(list(held)), _in_force(now))
        # Oldest first, so the newest of several from one client is the one kept.
        .order_by(ConsentGrant.client_name, ConsentGrant.signed_at, ConsentGrant.id)
        # Readers ask where the client stands (program end) and log disclosures under them.
        .options(joinedload(ConsentGrant.client))
    )
    for grant in rows:
        held[grant.family_id][grant.client_id] = grant
    return held


def consents_of_client(client) -> list[ConsentGrant]:
    """Return every consent a client has signed, newest first."""
    return list(
        db.session.scalars(
            select(ConsentGrant)
            .where(ConsentGrant.client_id == client.id)
            .order_by(ConsentGrant.signed_at.desc())
        )
    )


def revoke(grant: ConsentGrant, now: datetime) -> None:
    """Take a consent back: from `now` on it discloses nothing (its invitations end too)."""
    if grant.revoked_at is None or grant.revoked_at > now:
        grant.revoked_at = now
    db.session.commit()


def record_disclosure(grant: ConsentGrant, recipient, what: str) -> None:
    """Log one disclosure to a family member, naming the consent it relied on."""
    record_view(grant.client, what, actor=recipient, consent_id=grant.id, action="disclose")
