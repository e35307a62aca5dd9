"""Write to the audit log; the one call every view of client data by someone else goes through."""

from flask_login import current_user

from ..extensions import db
from .models import AuditEvent


def record_view(
    client,
    what: str,
    object_id: int | None = None,
    actor=None,
    consent_id: int | None = None,
    action: str = "view",
    at=None,
) -> AuditEvent | None:
    """Record that someone other than the client saw the client's data; the client's own views
    are not disclosures and are not recorded. A disclosure to family names its consent."""
    actor = actor or (current_user if current_user.is_authenticated else None)
    if actor is not None and actor.id == client.id:
        return None
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        client_id=client.id,
        action=action,
        what=what,
        object_id=object_id,
        consent_id=consent_id,
    )
    if at is not None:
        event.at = at
    db.session.add(event)
    db.session.commit()
    return event


def record_account_change(subject, action: str, what: str, actor, at=None) -> AuditEvent:
    """Record an administrator's change to someone's account (a reset second factor, say).

    Unlike record_view this is kept even when the person changes their own account."""
    event = AuditEvent(actor_id=actor.id, client_id=subject.id, action=action, what=what)
    if at is not None:
        event.at = at
    db.session.add(event)
    db.session.commit()
    return event
