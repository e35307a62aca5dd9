"""The escalation rules at fixed instants: clinic hours, after hours, weekends, daylight saving."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.checkins.escalation import escalation_at, is_open, next_opening, waited_past
from portal.config import parse_hours

NY = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_5 = {d: (time(9), time(17)) for d in range(5)} | {5: None, 6: None}


def ny(*parts) -> datetime:
    return datetime(*parts, tzinfo=NY)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (ny(2026, 11, 23, 10, 0), True),  # a Monday morning
        (ny(2026, 11, 23, 9, 0), True),  # the minute it opens
        (ny(2026, 11, 23, 17, 0), False),  # the minute it closes
        (ny(2026, 11, 23, 21, 30), False),  # a Monday night
        (ny(2026, 11, 28, 11, 0), False),  # a Saturday
        (ny(2026, 11, 29, 11, 0), False),  # a Sunday
    ],
)
def test_the_clinic_is_open_in_its_hours_only(moment, expected):
    assert is_open(moment, WEEKDAYS_9_TO_5, NY) is expected


def test_inside_hours_a_flag_escalates_after_the_minutes():
    flagged = ny(2026, 11, 23, 10, 0)
    assert escalation_at(flagged, 15, WEEKDAYS_9_TO_5, NY) == ny(2026, 11, 23, 10, 15)


def test_after_hours_a_flag_waits_for_the_morning():
    flagged = ny(2026, 11, 23, 21, 30)  # Monday night
    assert escalation_at(flagged, 15, WEEKDAYS_9_TO_5, NY) == ny(2026, 11, 24, 9, 15)
    assert next_opening(flagged, WEEKDAYS_9_TO_5, NY) == ny(2026, 11, 24, 9, 0)


def test_near_closing_the_minutes_left_run_from_the_next_opening():
    flagged = ny(2026, 11, 23, 16, 55)  # 5 of the 15 minutes before closing
    assert escalation_at(flagged, 15, WEEKDAYS_9_TO_5, NY) == ny(2026, 11, 24, 9, 10)


def test_on_a_weekend_a_flag_waits_for_monday():
    flagged = ny(2026, 11, 28, 14, 0)  # Saturday afternoon
    assert escalation_at(flagged, 15, WEEKDAYS_9_TO_5, NY) == ny(2026, 11, 30, 9, 15)
    friday_evening = ny(2026, 11, 27, 18, 0)
    assert next_opening(friday_evening, WEEKDAYS_9_TO_5, NY) == ny(2026, 11, 30, 9, 0)


def test_hours_per_weekday_are_honoured():
    hours = {**WEEKDAYS_9_TO_5, 3: (time(12), time(21)), 5: (time(10), time(14))}
    assert escalation_at(ny(2026, 11, 26, 10, 0), 15, hours, NY) == ny(2026, 11, 26, 12, 15)
    assert is_open(ny(2026, 11, 28, 11, 0), hours, NY)  # Saturday morning hours


def test_on_the_day_clocks_go_back_9_am_is_still_9_am():
    # 2026-11-01 is a Sunday; open that day to test the change itself.
    hours = {d: (time(9), time(17)) for d in range(7)}
    flagged = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 1:30 AM EDT, before the change
    due = escalation_at(flagged, 15, hours, NY)
    assert due == ny(2026, 11, 1, 9, 15)
    assert due.astimezone(UTC) == datetime(2026, 11, 1, 14, 15, tzinfo=UTC)  # EST now


def test_on_the_day_clocks_go_forward_9_am_is_still_9_am():
    hours = {d: (time(9), time(17)) for d in range(7)}
    flagged = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 1:00 AM EST, before the change
    due = escalation_at(flagged, 15, hours, NY)
    assert due.astimezone(UTC) == datetime(2026, 3, 8, 13, 15, tzinfo=UTC)  # 9:15 EDT


def test_a_clinic_that_never_opens_never_escalates():
    closed = dict.fromkeys(range(7))
    assert escalation_at(ny(2026, 11, 23, 10, 0), 15, closed, NY) is None
    assert next_opening(ny(2026, 11, 23, 10, 0), closed, NY) is None


def test_waited_past_counts_unreviewed_flags_too():
    flagged = ny(2026, 11, 23, 10, 0)
    quick = flagged + timedelta(minutes=10)
    slow = flagged + timedelta(minutes=20)
    assert not waited_past(flagged, quick, slow, 15, WEEKDAYS_9_TO_5, NY)
    assert waited_past(flagged, slow, slow, 15, WEEKDAYS_9_TO_5, NY)
    assert waited_past(flagged, None, slow, 15, WEEKDAYS_9_TO_5, NY)
    assert not waited_past(flagged, None, quick, 15, WEEKDAYS_9_TO_5, NY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-17:00", (time(9), time(17))),
        (" 08:30 - 20:00 ", (time(8, 30), time(20))),
        ("", None),
        ("Closed", None),
    ],
)
def test_clinic_hours_are_read_from_the_environment_format(text, expected):
    assert parse_hours(text) == expected


def test_closing_before_opening_is_refused():
    with pytest.raises(ValueError):
        parse_hours("17:00-09:00")
