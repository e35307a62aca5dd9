"""Recurrence against RFC 5545 section 3.8.5.3's weekly examples, and across daylight saving."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.schedule.recurrence import is_natural_start, natural_starts, series_rule, weekly_rule

NY = ZoneInfo("America/New_York")


def days(*spec):
    """Expand ("1997-09", [2, 9]) pairs into dates."""
    out = []
    for month, numbers in spec:
        year, mon = map(int, month.split("-"))
        out += [date(year, mon, d) for d in numbers]
    return out


RFC_WEEKLY = [
    (
        "Weekly for 10 occurrences",
        dict(dtstart=datetime(1997, 9, 2, 9, tzinfo=NY), count=10),
        days(("1997-09", [2, 9, 16, 23, 30]), ("1997-10", [7, 14, 21, 28]), ("1997-11", [4])),
    ),
    (
        "Weekly until December 24, 1997",
        dict(dtstart=datetime(1997, 9, 2, 9, tzinfo=NY), until=datetime(1997, 12, 24, tzinfo=UTC)),
        days(
            ("1997-09", [2, 9, 16, 23, 30]),
            ("1997-10", [7, 14, 21, 28]),
            ("1997-11", [4, 11, 18, 25]),
            ("1997-12", [2, 9, 16, 23]),
        ),
    ),
    (
        "Every other week - forever (first 13)",
        dict(dtstart=datetime(1997, 9, 2, 9, tzinfo=NY), interval=2, wkst=6, count=13),
        days(
            ("1997-09", [2, 16, 30]),
            ("1997-10", [14, 28]),
            ("1997-11", [11, 25]),
            ("1997-12", [9, 23]),
            ("1998-01", [6, 20]),
            ("1998-02", [3, 17]),
        ),
    ),
    (
        "Weekly on Tuesday and Thursday for five weeks (UNTIL)",
        dict(
            dtstart=datetime(1997, 9, 2, 9, tzinfo=NY),
            until=datetime(1997, 10, 7, tzinfo=UTC),
            wkst=6,
            weekdays=[1, 3],
        ),
        days(("1997-09", [2, 4, 9, 11, 16, 18, 23, 25, 30]), ("1997-10", [2])),
    ),
    (
        "Weekly on Tuesday and Thursday for five weeks (COUNT)",
        dict(dtstart=datetime(1997, 9, 2, 9, tzinfo=NY), count=10, wkst=6, weekdays=[1, 3]),
        days(("1997-09", [2, 4, 9, 11, 16, 18, 23, 25, 30]), ("1997-10", [2])),
    ),
    (
        "Every other week on Monday, Wednesday, and Friday until December 24, 1997",
        dict(
            dtstart=datetime(1997, 9, 1, 9, tzinfo=NY),
            interval=2,
            until=datetime(1997, 12, 24, tzinfo=UTC),
            wkst=6,
            weekdays=[0, 2, 4],
        ),
        days(
            ("1997-09", [1, 3, 5, 15, 17, 19, 29]),
            ("1997-10", [1, 3, 13, 15, 17, 27, 29, 31]),
            ("1997-11", [10, 12, 14, 24, 26, 28]),
            ("1997-12", [8, 10, 12, 22]),
        ),
    ),
    (
        "Every other week on Tuesday and Thursday, for 8 occurrences",
        dict(
            dtstart=datetime(1997, 9, 2, 9, tzinfo=NY), interval=2, count=8, wkst=6, weekdays=[1, 3]
        ),
        days(("1997-09", [2, 4, 16, 18, 30]), ("1997-10", [2, 14, 16])),
    ),
    (
        "WKST=MO changes the days generated",
        dict(
            dtstart=datetime(1997, 8, 5, 9, tzinfo=NY), interval=2, count=4, weekdays=[1, 6], wkst=0
        ),
        days(("1997-08", [5, 10, 19, 24])),
    ),
    (
        "...the same rule with WKST=SU",
        dict(
            dtstart=datetime(1997, 8, 5, 9, tzinfo=NY), interval=2, count=4, weekdays=[1, 6], wkst=6
        ),
        days(("1997-08", [5, 17, 19, 31])),
    ),
]


@pytest.mark.parametrize(("name", "rule", "expected"), RFC_WEEKLY, ids=[r[0] for r in RFC_WEEKLY])
def test_rfc5545_weekly_examples(name, rule, expected):
    starts = list(weekly_rule(**rule))
    assert [s.date() for s in starts] == expected
    # Every one at 9:00 New York time, EDT or EST alike.
    assert {(s.astimezone(NY).hour, s.astimezone(NY).minute) for s in starts} == {(9, 0)}


def test_until_and_count_together_are_refused():
    with pytest.raises(ValueError):
        weekly_rule(
            datetime(2026, 1, 5, 18, tzinfo=NY), count=3, until=datetime(2026, 2, 1, tzinfo=UTC)
        )


def group(**overrides):
    values = dict(
        start_date=date(2026, 10, 1),
        start_time=time(18, 0),
        timezone=str(NY),
        duration_minutes=180,
        weekdays="0,2,3",
        interval_weeks=1,
        until_date=None,
        is_recurring=True,
    )
    values.update(overrides)
    values["weekday_numbers"] = [int(d) for d in values["weekdays"].split(",") if d]
    values["is_recurring"] = bool(values["weekdays"])
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("window", "utc_hour"),
    [
        ((datetime(2026, 10, 26, tzinfo=NY), datetime(2026, 10, 27, tzinfo=NY)), 22),  # EDT
        ((datetime(2026, 11, 2, tzinfo=NY), datetime(2026, 11, 3, tzinfo=NY)), 23),  # EST
        ((datetime(2027, 3, 15, tzinfo=NY), datetime(2027, 3, 16, tzinfo=NY)), 22),  # EDT again
    ],
)
def test_six_pm_stays_six_pm_across_both_changes(window, utc_hour):
    (start,) = natural_starts(group(), *window)
    assert (start.hour, start.minute) == (18, 0)
    assert start.astimezone(UTC).hour == utc_hour


def test_until_date_is_inclusive():
    series = group(weekdays="0", until_date=date(2026, 10, 12))
    starts = list(series_rule(series))
    assert [s.date() for s in starts] == [date(2026, 10, 5), date(2026, 10, 12)]


def test_a_one_off_happens_once():
    series = group(weekdays="", start_date=date(2026, 12, 1), start_time=time(10, 30))
    assert list(series_rule(series)) == [datetime(2026, 12, 1, 10, 30, tzinfo=NY)]


def test_a_session_in_progress_overlaps_the_window():
    series = group()
    monday = datetime(2026, 11, 23, 19, 30, tzinfo=NY)
    assert natural_starts(series, monday, monday.replace(hour=20)) == [
        datetime(2026, 11, 23, 18, tzinfo=NY)
    ]


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    interval=st.integers(1, 3),
    hour=st.integers(0, 23),
    duration=st.integers(10, 600),
    offset_days=st.integers(-30, 1500),
    span_days=st.integers(0, 60),
    until_days=st.one_of(st.none(), st.integers(0, 2000)),
)
def test_the_shortcut_finds_exactly_what_a_walk_from_the_first_date_finds(
    start, weekdays, interval, hour, duration, offset_days, span_days, until_days
):
    series = group(
        start_date=start,
        start_time=time(hour, 30),
        duration_minutes=duration,
        weekdays=",".join(map(str, sorted(weekdays))),
        interval_weeks=interval,
        until_date=start + timedelta(days=until_days) if until_days is not None else None,
    )
    window_start = datetime.combine(start + timedelta(days=offset_days), time(7), tzinfo=NY)
    window_end = window_start + timedelta(days=span_days, hours=5)
    length = timedelta(minutes=duration)
    walked = [
        s
        for s in series_rule(series).between(window_start - length, window_end, inc=True)
        if s < window_end and s + length > window_start
    ]
    assert natural_starts(series, window_start, window_end) == walked
    for s in walked:
        assert is_natural_start(series, s)
