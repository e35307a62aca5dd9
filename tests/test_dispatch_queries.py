"""Asking the reminder sources costs the same number of SQL statements for 5 people with a
device as for 50: the dispatcher asks every source on every pass, for everyone at once."""

import pytest

from portal.notifications.reminders import sources
from tests.population import MONDAY, add_clients, local, populate
from tests.test_query_counts import counting

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

# The sources that read something for each client or family member with a device.
PER_PERSON = ("sessions", "homework", "checkins", "meetings")


def ask_every_source(app, now) -> dict[str, tuple[int, int]]:
    """Return (statements, reminders) per source, each asked in a session of its own."""
    asked = {}
    for source in sources():
        with app.app_context(), app.test_request_context(), counting(app) as statements:
            reminders = source.due(now)
        asked[source.name] = (len(statements), len(reminders))
    return asked


@pytest.mark.parametrize("now", [local(MONDAY, 9, 30), local(MONDAY, 17, 30)])
def test_statements_per_source_do_not_grow_with_people(app, now):
    clinic = populate(app, 5)
    few = ask_every_source(app, now)
    add_clients(app, clinic, range(5, 50))
    many = ask_every_source(app, now)
    assert {name: s for name, (s, _) in many.items()} == {name: s for name, (s, _) in few.items()}
    for name in PER_PERSON:  # every one of them had more to say for 50
        assert 0 < few[name][1] < many[name][1], (name, few[name], many[name])
    # Who has a device, their preferences, then the rule for everyone: series, consents, the
    # family series, changes, attendance and notices.
    assert many["sessions"][0] <= 8, many
