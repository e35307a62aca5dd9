"""The demo clinic: a few accounts and their data, loaded by `flask --app portal seed-demo`."""

from datetime import datetime

from sqlalchemy import func, select

from .accounts.models import User
from .accounts.passwords import hash_password
from .extensions import db
from .notifications.subscriptions import ensure_preferences
from .recovery_plan.contacts import add_contact, contacts_of
from .schedule.demo import seed_schedule
from .timeutil import utcnow

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (published in the README on purpose)
DEMO_ACCOUNTS = [
    # email, name, role, is_admin
    ("counselor@example.org", "Dana Rivera", "staff", True),
    ("client@example.org", "Alex Morgan", "client", False),
    ("client2@example.org", "Sam Lee", "client", False),
    ("family@example.org", "Jordan Morgan", "family", False),
]
DEMO_EMAILS = {row[0] for row in DEMO_ACCOUNTS}


class NotADemoDatabase(Exception):
    """The database holds real people; seeding demo data there would mix the two."""


def non_demo_users() -> int:
    """Count the accounts that are not demo accounts."""
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.email.not_in(DEMO_EMAILS))
    )


def _seed_accounts() -> dict[str, User]:
    people = {}
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, is_admin in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email, name=name, role=role, is_admin=is_admin, password_hash=password_hash
            )
            db.session.add(user)
        people[email] = user
    db.session.flush()
    for email in ("client@example.org", "client2@example.org"):
        people[email].counselor_id = people["counselor@example.org"].id
    db.session.commit()
    return people


def _seed_support_contacts(client: User) -> None:
    if contacts_of(client):
        return
    add_contact(client, "Chris (sponsor)", "Sponsor", "(555) 010-2233")
    add_contact(client, "Mom", "Mother", "+1 555 010 4455")


def _seed_notifications(people: dict[str, User]) -> None:
    """Give every demo account the default reminder choices; no device, so nothing is sent."""
    for user in people.values():
        ensure_preferences(user)
    db.session.commit()


def seed_demo(now: datetime | None = None) -> dict[str, User]:
    """Load the demo clinic; running it again changes nothing."""
    if non_demo_users():
        raise NotADemoDatabase("This database holds accounts that are not demo accounts.")
    people = _seed_accounts()
    _seed_support_contacts(people["client@example.org"])
    seed_schedule(people, now or utcnow())
    _seed_notifications(people)
    return people
