"""Shared pieces of the push tests: a small clinic, devices on the fake push service, passes."""

from datetime import date, datetime, time
from types import SimpleNamespace

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.dispatcher import run_pass
from portal.notifications.models import NotificationPreferences, OutboxMessage, PushSubscription
from portal.notifications.reminders import default_preferences
from portal.schedule.models import Enrollment, Group, SessionSeries
from tests.conftest import make_user

# Words that must never reach a lock screen unless the person asked for detail.
TELLTALE = [
    "treatment",
    "therapy",
    "therap",
    "counsel",
    "group",
    "iop",
    "intensive",
    "outpatient",
    "relapse",
    "recovery",
    "sober",
    "substance",
    "alcohol",
    "drug",
    "opioid",
    "addiction",
    "rehab",
    "clinic",
    "individual",
    "family",
    "psychoeducation",
    "medication",
    "case management",
    "harbor",
    "room 2",
    "alex",
    "morgan",
]


def at(text: str) -> datetime:
    """Read an ISO 8601 time with its offset."""
    return datetime.fromisoformat(text)


def make_clinic(app, clients: int = 1) -> SimpleNamespace:
    """An evening group on Mondays and Wednesdays at 6 pm (New York), and its clients."""
    staff = make_user(app, "staff", name="Casey Staff")
    people = [
        make_user(app, "client", name="Alex Morgan", counselor_id=staff.id) for _ in range(clients)
    ]
    with app.app_context():
        group = Group(name="Evening group")
        db.session.add(group)
        db.session.flush()
        for person in people:
            db.session.add(
                Enrollment(client_id=person.id, group_id=group.id, start_date=date(2026, 11, 2))
            )
        series = SessionSeries(
            kind="group",
            title="Evening group",
            group_id=group.id,
            timezone="America/New_York",
            start_date=date(2026, 11, 2),
            start_time=time(18),
            duration_minutes=180,
            weekdays="0,2",
            place="1200 Harbor Street",
            room="Room 2",
        )
        db.session.add(series)
        db.session.commit()
        series_id = series.id
    return SimpleNamespace(staff=staff, client=people[0], clients=people, series_id=series_id)


def add_device(app, user_id: int, device) -> int:
    """Store a fake-service device for a person, as the subscribe endpoint would."""
    with app.app_context():
        row = PushSubscription(
            user_id=user_id,
            endpoint=device.endpoint,
            p256dh=device.p256dh,
            auth=device.info()["keys"]["auth"],
            device_label="Test",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def set_preferences(app, user_id: int, **values) -> None:
    with app.app_context():
        prefs = db.session.get(NotificationPreferences, user_id)
        if prefs is None:
            prefs = default_preferences(user_id)
            db.session.add(prefs)
        for name, value in values.items():
            setattr(prefs, name, value)
        db.session.commit()


def dispatch(app, now: datetime):
    """Run one pass as of `now` and return its report."""
    with app.app_context():
        return run_pass(now)


def outbox(app) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            SimpleNamespace(**{c.name: getattr(r, c.name) for c in OutboxMessage.__table__.columns})
            for r in rows
        ]


def devices(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(PushSubscription.id)))
