"""A care-team member's working life in the portal: deactivated when they leave (their clients
go to a successor), re-activated when they return, their caseload handed over in between.

Whose flags, notices and handed-in homework reach which counselor is decided in one place, the
client's `counselor_id` (notifications/care_sources.py reads it); so moving a caseload is moving
that one column, and everything that routes to a counselor follows. Rules take `now`.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ..accounts.models import User
from ..accounts.second_factor import end_all_sessions
from ..audit.log import record_account_change
from ..extensions import db
from ..notifications.models import PushSubscription


class LifecycleError(ValueError):
    """Why an administrator's change cannot be made; the message is for them."""


def active_staff(excluding: User | None = None) -> list[User]:
    """Return the care-team members who can take clients, by name."""
    query = select(User).where(User.role == "staff", User.active).order_by(User.name)
    if excluding is not None:
        query = query.where(User.id != excluding.id)
    return list(db.session.scalars(query))


def caseload_size(member: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.counselor_id == member.id)
    )


def _check_successor(member: User, successor: User | None) -> User:
    if successor is None or not (successor.is_staff and successor.active):
        raise LifecycleError(_l("Choose an active care-team member to take the clients."))
    if successor.id == member.id:
        raise LifecycleError(_l("Choose someone else to take the clients."))
    return successor


def hand_over(member: User, successor: User | None, *, by: User, now: datetime) -> int:
    """Give every client of `member` to `successor`; return how many moved. Audited on the
    member's record and on each client's, so a client's copy says who has their file."""
    successor = _check_successor(member, successor)
    clients = list(db.session.scalars(select(User).where(User.counselor_id == member.id)))
    db.session.execute(
        update(User).where(User.counselor_id == member.id).values(counselor_id=successor.id)
    )
    db.session.commit()
    what = f"caseload to {successor.id}"
    record_account_change(member, "handover", what, by, at=now)
    for client in clients:
        change = f"counselor {member.id} to {successor.id}"
        record_account_change(client, "handover", change, by, at=now)
    return len(clients)


def deactivate(member: User, successor: User | None, *, by: User, now: datetime) -> int:
    """Turn a member's account off: their clients go to `successor`, every session of theirs
    ends at once, and their devices get no more reminders. Return how many clients moved."""
    if not (member.is_staff and member.active):
        raise LifecycleError(_l("This account is already turned off."))
    if member.id == by.id:
        raise LifecycleError(
            _l("You cannot turn off your own account. Ask another administrator.")
        )
    if member.is_admin and not any(m.is_admin for m in active_staff(excluding=member)):
        raise LifecycleError(
            _l("This is the last active administrator. Make someone else one first.")
        )
    moved = hand_over(member, successor, by=by, now=now)
    member.active = False
    db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == member.id))
    end_all_sessions(member)  # commits the change with it
    record_account_change(member, "deactivate", f"successor {successor.id}", by, at=now)
    return moved


def reactivate(member: User, *, by: User, now: datetime) -> None:
    """Turn a member's account back on; their former clients stay with whoever has them now."""
    if not member.is_staff or member.active:
        raise LifecycleError(_l("This account is already on."))
    member.active = True
    db.session.commit()
    record_account_change(member, "reactivate", "account", by, at=now)
