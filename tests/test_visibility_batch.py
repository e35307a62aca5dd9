"""The one visibility rule, asked for many people at once (as the dispatcher does), answers
exactly what it answers for each person alone: clients in a group or with their own series,
cancelled and moved sessions, attendance and notices, family members whose consent is valid,
not yet valid, revoked or expired, and a discharged client. See tests/population.py."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notifications.reminders import due_session_reminders
from portal.schedule import visibility
from portal.schedule.occurrences import occurrence_key
from portal.schedule.visibility import visible_occurrences, visible_occurrences_for
from tests.population import MONDAY, NY, local, populate

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

SATURDAY, WEDNESDAY = MONDAY - timedelta(days=2), MONDAY + timedelta(days=2)
NOW = local(MONDAY, 9, 30)
WEDNESDAY_AFTERNOON = local(WEDNESDAY, 15, 30)

# What each client (by number) sees from Saturday to Wednesday, as of Monday 9:30.
CLIENTS = {
    0: [  # the evening group (Tuesday's cancelled), their own series, "can't make it"
        "Sat 08:00 individual",
        "Sat 18:00 group",
        "Sun 08:00 individual",
        "Sun 18:00 group",
        "Mon 08:00 individual",
        "Mon 18:00 group cant_make_it",
        "Tue 08:00 individual",
        "Tue 18:00 group cancelled cant_make_it",
    ],
    1: ["Sat 16:00 family", "Sun 16:00 family"],  # discharged on Sunday
    2: ["Tue 10:00 individual"],  # no group, a one-off
    4: [  # the morning group (Monday's and Wednesday's moved), "running late"
        "Sat 12:00 individual",
        "Sun 12:00 individual",
        "Mon 12:00 individual",
        "Mon 14:00 group moved-from Mon 10:00 running_late note:Moved",
        "Tue 10:00 group running_late",
        "Tue 12:00 individual",
        "Tue 21:00 group moved-from Wed 10:00 running_late",
    ],
    6: [  # a family series; "can't make it" taken back
        "Sat 16:00 family",
        "Sat 18:00 group",
        "Sun 16:00 family",
        "Sun 18:00 group",
        "Mon 16:00 family",
        "Mon 18:00 group cant_make_it(withdrawn)",
        "Tue 14:00 individual",
        "Tue 16:00 family",
        "Tue 18:00 group cancelled cant_make_it(withdrawn)",
    ],
    12: [  # came late on Sunday
        "Sat 10:00 individual",
        "Sat 18:00 group",
        "Sun 10:00 individual",
        "Sun 18:00 group late",
        "Mon 10:00 individual",
        "Mon 18:00 group cant_make_it",
        "Tue 10:00 individual",
        "Tue 18:00 group cancelled cant_make_it",
    ],
}
# What the family member of each client (by number) sees, same window and instant.
FAMILIES = {
    1: ["Sat 16:00 family", "Sun 16:00 family"],  # valid, until the client's discharge
    6: [],  # signed on Wednesday: not yet valid
    11: [],  # revoked on Sunday
    16: [],  # expired on November 15
    21: [  # valid; also on client 16's series, who never consented to it
        "Sat 16:00 family",
        "Sun 16:00 family",
        "Mon 16:00 family",
        "Tue 16:00 family",
    ],
}


def describe(o) -> str:
    """One occurrence as a line: when, what, and what happened to it."""
    words = [f"{o.start.astimezone(NY):%a %H:%M}", o.series.kind]
    if o.moved:
        words.append(f"moved-from {o.original_start.astimezone(NY):%a %H:%M}")
    if o.cancelled:
        words.append("cancelled")
    if o.attendance is not None:
        words.append(o.attendance.status)
    if o.notice is not None:
        words.append(o.notice.kind + ("" if o.notice.in_force else "(withdrawn)"))
    if o.note:
        words.append(f"note:{o.note}")
    return " ".join(words)


def seen(people, together: bool, start=SATURDAY, end=WEDNESDAY, now=NOW) -> dict:
    """Ask the rule for everyone at once, or for each alone; describe what each one sees."""
    start, end = local(start, 0), local(end, 0)
    if together:
        found = visible_occurrences_for(people, start, end, now, NY)
    else:
        found = {p.id: visible_occurrences(p, start, end, now, NY) for p in people}
    return {i: [describe(o) for o in items] for i, items in found.items()}


def everyone() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


@pytest.mark.parametrize("together", [False, True], ids=["alone", "together"])
def test_what_each_person_sees(app, together):
    clinic = populate(app, 24)
    with app.app_context():
        found = seen(everyone(), together)
        assert {i: found[clinic.client_ids[i]] for i in CLIENTS} == CLIENTS
        assert {i: found[clinic.families[i]] for i in FAMILIES} == FAMILIES
        assert found[clinic.staff_id] == []
        # Asked on Wednesday afternoon, the consent signed that morning shows what follows.
        friday = WEDNESDAY + timedelta(days=2)
        later = seen(everyone(), together, WEDNESDAY, friday, WEDNESDAY_AFTERNOON)
        assert later[clinic.families[6]] == ["Wed 16:00 family", "Thu 16:00 family"]
        assert later[clinic.families[1]] == []


@pytest.mark.parametrize("batch", [visibility.PEOPLE_PER_BATCH, 4])
def test_together_is_each_alone_at_every_instant(app, monkeypatch, batch):
    """Everyone at once (in batches of `batch` people) sees what each sees alone."""
    monkeypatch.setattr(visibility, "PEOPLE_PER_BATCH", batch)
    populate(app, 24)
    with app.app_context():
        people = everyone()
        for day in (SATURDAY, MONDAY, MONDAY + timedelta(days=1), WEDNESDAY):
            for hour in (0, 9, 15, 20):
                now = local(day, hour, 30)
                window = (day - timedelta(days=1), day + timedelta(days=2))
                alone = seen(people, False, *window, now)
                assert seen(people, True, *window, now) == alone, now
        # Only computing: nothing was logged as disclosed to a family member.
        assert db.session.scalars(select(AuditEvent)).all() == []


def test_reminders_follow_what_each_sees(app):
    """A "can't make it" stops a session's reminders; taken back or "running late" does not;
    family members hear only of what their consent lets them see."""
    clinic = populate(app, 24)
    with app.app_context(), app.test_request_context():
        reminders = due_session_reminders(NOW)
    reminded = {}
    for r in reminders:
        reminded.setdefault(r.user_id, set()).add(r.occurrence.split(".")[0])
    evening, morning = local(MONDAY, 18), local(MONDAY + timedelta(days=1), 10)
    client = clinic.client_ids
    assert occurrence_key(evening.astimezone(UTC)) not in reminded[client[0]]
    assert occurrence_key(evening.astimezone(UTC)) in reminded[client[6]]
    assert occurrence_key(morning.astimezone(UTC)) in reminded[client[4]]
    assert client[1] not in reminded  # discharged
    assert {clinic.families[i] for i in FAMILIES} & set(reminded) == {clinic.families[21]}
