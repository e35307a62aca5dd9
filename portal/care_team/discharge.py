"""A counselor ends a client's program (a discharge) and can re-admit them.

Where a client stands afterwards is `accounts/program.py`'s rule, read by every page and
reminder; this file only records the change. Family consents end with the program: each one
still running then is revoked at the program's end, so every reader of consents (pages, feeds,
reminders) stops at once; the client can sign a new one in aftercare. Rules take `now`.
"""

from datetime import date, datetime

from sqlalchemy import or_, update

from ..accounts.models import User
from ..accounts.program import program_end
from ..audit.log import record_account_change
from ..consent.models import ConsentGrant
from ..extensions import db


def discharge(client: User, day: date, reason: str, *, by: User, now: datetime) -> int:
    """Record the program's last day and why; return how many family consents it ended."""
    end = program_end(day)
    client.discharged_on, client.discharge_reason = day, reason
    ended = db.session.execute(
        update(ConsentGrant)
        .where(
            ConsentGrant.client_id == client.id,
            ConsentGrant.signed_at < end,
            ConsentGrant.expires_at > end,
            or_(ConsentGrant.revoked_at.is_(None), ConsentGrant.revoked_at > end),
        )
        .values(revoked_at=end)
    )
    db.session.commit()
    record_account_change(client, "discharge", f"{reason} {day.isoformat()}", by, at=now)
    return ended.rowcount


def readmit(client: User, *, by: User, now: datetime) -> None:
    """Take a client back into the program; consents ended at discharge stay ended."""
    client.discharged_on, client.discharge_reason = None, ""
    db.session.commit()
    record_account_change(client, "readmit", "program", by, at=now)
