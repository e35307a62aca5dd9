"""The demo family member's consent: valid, signed on the client's first program day."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..consent.models import ConsentGrant
from ..extensions import db
from ..schedule.models import Enrollment
from ..timeutil import clinic_zone
from .invitations import sign_consent


def seed_family_consent(people) -> None:
    """Give family@example.org a consent from client@example.org, once."""
    client, family_user = people["client@example.org"], people["family@example.org"]
    if db.session.scalar(select(ConsentGrant.id).where(ConsentGrant.client_id == client.id)):
        return
    start = db.session.scalar(
        select(Enrollment.start_date).where(Enrollment.client_id == client.id)
    )
    signed = datetime.combine(start, time(18, 30), tzinfo=clinic_zone())
    grant = sign_consent(
        client,
        family_user.name,
        "Parent",
        family_user.email,
        start + timedelta(weeks=12),
        client.name,
        signed,
    )
    grant.family_id = family_user.id
    db.session.commit()
