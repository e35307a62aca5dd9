"""The demo clinic: a few accounts and their data, loaded by `flask --app portal seed-demo`."""

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from .accounts.models import User
from .accounts.passwords import hash_password
from .checkins.models import CheckIn
from .checkins.rules import clinic_today, mark_reviewed, save_checkin
from .extensions import db
from .family.demo import seed_family_consent
from .notifications.subscriptions import ensure_preferences
from .recovery_plan.contacts import add_contact, contacts_of
from .recovery_plan.models import RecoveryPlan
from .recovery_plan.plan import save_plan
from .schedule.demo import seed_schedule
from .timeutil import clinic_zone

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


# Days ago (in the clinic's zone) with a check-in: 14 of the last 21, today left open to try.
DEMO_CHECKIN_DAYS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 15, 17, 19)
DEMO_FLAGGED_DAY = 9


def _seed_checkins(client: User, counselor: User, now: datetime) -> None:
    if db.session.scalar(select(func.count()).where(CheckIn.client_id == client.id)):
        return
    today = clinic_today(now)
    for n, ago in enumerate(reversed(DEMO_CHECKIN_DAYS)):  # oldest first, getting steadier
        day = today - timedelta(days=ago)
        at = datetime.combine(day, time(20, 15), clinic_zone())
        flagged = ago == DEMO_FLAGGED_DAY
        answers = {
            "mood": 2 if flagged else 3 + n % 3,
            "craving": 8 if flagged else max(1, 6 - n // 3 - n % 2),
            "used": False,
            "used_what": "",
            "sleep": "poorly" if flagged else ("well", "okay")[n % 2],
            "triggers": ["stress", "lonely"] if flagged else (["tired"] if n % 3 == 0 else []),
            "coping": ["called_contact", "own:Walk the dog"] if flagged else ["meeting"],
            "confidence": 5 if flagged else min(10, 4 + n // 2),
            "self_harm": False,
            "note": "Hard day at work." if flagged else "",
        }
        checkin, _ = save_checkin(client, day, answers, now=at)
        if flagged:
            note = "Called Alex the next morning; made a plan for the weekend."
            mark_reviewed(checkin, counselor, "called_client", note, now=at + timedelta(hours=14))


def _seed_recovery_plan(client: User, now: datetime) -> None:
    if db.session.scalar(select(RecoveryPlan).where(RecoveryPlan.client_id == client.id)):
        return
    lists = {
        "triggers": ["Payday Fridays", "Driving past the old bar", "Arguments at home"],
        "warning_signs": ["Skipping meals", "Not answering my phone", "Thinking one won't hurt"],
        "coping": ["Walk the dog", "Call Chris", "Breathe in for 4, out for 8"],
        "reasons": ["My daughter", "Keeping my job", "Waking up clear-headed"],
    }
    save_plan(client, lists, show_days_in_program=True, show_days_since_use=True, now=now)


def _seed_meetings(people: dict[str, User], now: datetime) -> None:
    from .meetings.demo import seed_demo_meetings

    seed_demo_meetings(people["client@example.org"], people["counselor@example.org"], now)


def _seed_notifications(people: dict[str, User]) -> None:
    """Give every demo account the default reminder choices; no device, so nothing is sent."""
    for user in people.values():
        ensure_preferences(user)
    db.session.commit()


def _seed_homework(people: dict[str, User], now: datetime) -> None:
    from .homework.demo import seed_homework

    seed_homework(people, now)


def seed_demo(now: datetime) -> dict[str, User]:
    """Load the demo clinic around `now`; running it again changes nothing."""
    if count := non_demo_users():
        raise NotADemoDatabase(
            f"The demo clinic was not loaded: this database holds {count} account(s) that are "
            "not demo accounts, and demo people must never mix with real ones. "
            "To try the demo, give it a database of its own: with bin/demo, "
            "INSTANCE_PATH=/tmp/portal-demo bin/demo (a new SQLite file there); otherwise "
            "point DATABASE_URL at an empty database and run `flask --app portal db upgrade` first."
        )
    people = _seed_accounts()
    _seed_support_contacts(people["client@example.org"])
    seed_schedule(people, now)
    seed_family_consent(people)
    _seed_recovery_plan(people["client@example.org"], now)
    _seed_checkins(people["client@example.org"], people["counselor@example.org"], now)
    _seed_meetings(people, now)
    _seed_notifications(people)
    _seed_homework(people, now)
    return people
