"""The client's day adds up: one clinic week for every "this week", program days and weeks that
agree, a meeting logged once per day, "I can't make it" taken back, and calendar edges."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.meetings.attendance import log_attendance, set_goal, today_for, week_progress
from portal.meetings.models import MeetingAttendance
from portal.recovery_plan.models import RecoveryPlan
from portal.recovery_plan.plan import milestones
from portal.schedule.models import AbsenceNotice, Enrollment, SessionSeries
from portal.schedule.occurrences import expand, occurrence_key
from portal.schedule.progress import program_day, program_week, progress_for
from portal.schedule.rules import send_notice, withdraw_notice, withdraw_problem
from portal.timeutil import clinic_zone, utcnow
from portal.weeks import parse_week_start, week_dates, week_start
from tests.conftest import CLINIC_INSTANTS, every_clinic_instant, post, sign_in
from tests.test_schedule import build_clinic, next_group_occurrence, person

pytestmark = pytest.mark.usefixtures("clinic_clock")

MONDAY, SUNDAY = 0, 6


# --- One week rule


@pytest.mark.parametrize(
    ("day", "first", "expected"),
    [
        (date(2026, 11, 23), MONDAY, date(2026, 11, 23)),  # a Monday starts its own week
        (date(2026, 11, 29), MONDAY, date(2026, 11, 23)),  # Sunday ends it
        (date(2026, 11, 29), SUNDAY, date(2026, 11, 29)),  # or starts one, if the clinic says
        (date(2026, 11, 28), SUNDAY, date(2026, 11, 22)),
        (date(2027, 1, 1), MONDAY, date(2026, 12, 28)),  # across New Year
        (date(2027, 3, 14), MONDAY, date(2027, 3, 8)),  # the spring change is a day like others
    ],
)
def test_the_clinic_week_starts_on_its_first_weekday(day, first, expected):
    assert week_start(day, first) == expected
    assert week_dates(day, first) == (expected, expected + timedelta(days=6))


def test_week_start_names_a_weekday_or_is_refused():
    assert parse_week_start(" Sunday ") == SUNDAY and parse_week_start("monday") == MONDAY
    with pytest.raises(ValueError, match="WEEK_START"):
        parse_week_start("someday")


@every_clinic_instant
def test_hours_and_meetings_count_the_same_clinic_week_not_the_program_week(app, clinic_clock):
    # The program starts on a Thursday: a week counted from it would run Thursday to Wednesday.
    clinic = build_clinic(app, start=date(2026, 10, 1))
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        today = now.astimezone(zone).date()
        client = person(clinic.member.id)
        progress = progress_for(client, now, zone)
        assert progress.week_start == week_start(today) == week_start(today, MONDAY)
        assert progress.week_end == progress.week_start + timedelta(days=6)
        assert progress.week_start.weekday() == MONDAY
        # A meeting on the first day of the clinic week counts; the day before does not.
        set_goal(client, 1, None)
        log_attendance(client, progress.week_start - timedelta(days=1), title="Before")
        assert week_progress(client, today).count == 0
        log_attendance(client, progress.week_start, title="First day")
        assert week_progress(client, today).count == 1


def test_a_sunday_clinic_counts_sunday_to_saturday(app):
    clinic = build_clinic(app, start=date(2026, 10, 1))
    app.config["WEEK_START"] = SUNDAY
    with app.app_context():
        zone = clinic_zone()
        sunday_evening = datetime(2026, 11, 29, 20, 0, tzinfo=zone)
        progress = progress_for(person(clinic.member.id), sunday_evening, zone)
        assert progress.week_start == date(2026, 11, 29)
        monday = datetime(2026, 11, 30, 9, 0, tzinfo=zone)
        assert (
            progress_for(person(clinic.member.id), monday, zone).week_start == progress.week_start
        )


def test_the_progress_page_says_which_days_this_week_is(app):
    clinic = build_clinic(app, start=date(2026, 10, 1))
    client = app.test_client()
    sign_in(client, clinic.member.email)
    with app.app_context():
        first, last = week_dates(utcnow().astimezone(clinic_zone()).date())
    html = client.get("/progress").get_data(as_text=True)
    assert f"{first:%a}, {first:%b} {first.day} to {last:%a}, {last:%b} {last.day}" in html


# --- Program days and weeks agree


@pytest.mark.parametrize(
    ("days_after_start", "day", "week"), [(0, 1, 1), (6, 7, 1), (7, 8, 2), (21, 22, 4)]
)
def test_program_day_and_week_count_the_same_days(days_after_start, day, week):
    start = date(2026, 11, 5)
    today = start + timedelta(days=days_after_start)
    assert program_day(start, today) == day
    assert program_week(Enrollment(start_date=start, planned_weeks=12), today) == week
    plan = RecoveryPlan(show_days_in_program=True, show_days_since_use=False)
    assert dict(milestones(plan, start, None, today))["program"]["days"] == day


def test_the_plan_and_progress_pages_agree_for_the_enrolled_client(app):
    with app.app_context():
        today = utcnow().astimezone(clinic_zone()).date()
    clinic = build_clinic(app, start=today - timedelta(days=21))  # day 22: week 4
    client = app.test_client()
    sign_in(client, clinic.member.email)
    post(client, "/recovery-plan", {"show_days_in_program": "y", "reasons": "My kids"})
    plan = client.get("/recovery-plan").get_data(as_text=True)
    progress = client.get("/progress").get_data(as_text=True)
    assert "22 days in the program" in plan and "as day 1" in plan
    assert "Week 4 of 12" in progress and "Day 22 in the program" in progress


# --- Meetings: a goal passed reads as met; one entry per meeting per day


def test_more_meetings_than_the_goal_reads_as_a_goal_met(app, client, login_as):
    person_ = login_as("client")
    with app.app_context():
        someone = person(person_.id)
        set_goal(someone, 3, None)
        today = today_for(someone, utcnow())
        for n in range(4):
            log_attendance(someone, today, title=f"Group {n}")
    html = client.get("/meetings/attendance").get_data(as_text=True)
    assert "4 of 3" not in html
    assert "4 meetings this week" in html and "goal of 3 met" in html


def test_the_same_meeting_cannot_be_logged_twice_for_one_day(app, client, login_as):
    login_as("client")
    with app.app_context():
        today = utcnow().astimezone(clinic_zone()).date()
    went = {"which": "other", "title": "Church basement group", "attended_on": today.isoformat()}
    assert post(client, "/meetings/attendance", went).status_code == 302
    again = post(client, "/meetings/attendance", {**went, "title": "church BASEMENT group "})
    assert again.status_code == 422
    assert "You already logged this meeting for that day." in again.get_data(as_text=True)
    yesterday = {**went, "attended_on": (today - timedelta(days=1)).isoformat()}
    assert post(client, "/meetings/attendance", yesterday).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingAttendance)) == 2


def test_the_database_refuses_a_second_entry_for_one_listed_meeting(app, login_as):
    from portal.meetings.models import Meeting
    from tests.meeting_feeds import import_entries, meeting

    someone = login_as("client")
    with app.app_context():
        import_entries([meeting("once-a-day", name="Once a day")])
        meeting = db.session.scalars(select(Meeting)).one()
        client = person(someone.id)
        day = utcnow().astimezone(clinic_zone()).date()
        assert log_attendance(client, day, meeting=meeting) is not None
        assert log_attendance(client, day, meeting=meeting) is None
        db.session.add(
            MeetingAttendance(
                client_id=client.id, attended_on=day, title="x", meeting_id=meeting.id
            )
        )
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(MeetingAttendance)) == 1


# --- "I can't make it", and taking it back


def test_a_notice_can_be_taken_back_until_the_session_starts(app):
    clinic = build_clinic(app)
    with app.app_context():
        target = next_group_occurrence(clinic, after_days=2)
        key = target.key
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = f"/calendar/{clinic.group_series_id}/{key}"
    assert post(client, url + "/notice/withdraw").status_code == 409  # nothing sent yet
    sent = post(client, url + "/notice", {"kind": "cant_make_it"}, headers={"HX-Request": "1"})
    html = sent.get_data(as_text=True)
    assert "Sent. Your care team can see it now." in html
    assert "You will not get reminders for this session." in html
    assert "Take it back" in html
    back = post(client, url + "/notice/withdraw", headers={"HX-Request": "1"})
    assert back.status_code == 200
    html = back.get_data(as_text=True)
    assert "Taken back. Your care team can see that you are coming." in html
    assert "Take it back" not in html
    assert post(client, url + "/notice/withdraw").status_code == 409  # only once

    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    notices = staff.get("/care/notices").get_data(as_text=True)
    assert "Alex Member" in notices and "taken back" in notices
    with app.app_context():
        (notice,) = db.session.scalars(select(AbsenceNotice)).all()
        assert notice.kind == "cant_make_it" and notice.withdrawn_at is not None
        assert notice.seen_at is None  # new again for the care team
    # Sending again puts it back in force.
    post(client, url + "/notice", {"kind": "cant_make_it"})
    with app.app_context():
        assert db.session.scalar(select(AbsenceNotice)).in_force


def test_a_notice_cannot_be_taken_back_once_the_session_started(app):
    clinic = build_clinic(app)
    with app.app_context():
        target = next_group_occurrence(clinic, after_days=2)
        target.notice = send_notice(
            person(clinic.member.id), target, "cant_make_it", "", now=utcnow()
        )
        assert withdraw_problem(target, target.start - timedelta(minutes=1)) is None
        assert withdraw_problem(target, target.start) is not None
        withdraw_notice(target.notice, target.start - timedelta(minutes=1))
        assert withdraw_problem(target, target.start - timedelta(minutes=1)) is not None


# --- Calendar edges


@pytest.mark.parametrize(
    "query",
    [
        "view=month&date=9999-12-01",
        "view=week&date=9999-12-31",
        "view=month&date=0001-01-01",
        "view=week&date=1900-01-01",
        "date=9999-12-01",
    ],
)
def test_a_calendar_date_far_out_of_range_is_404_not_500(client, login_as, query):
    login_as("client")
    assert client.get(f"/calendar?{query}").status_code == 404


def test_the_calendar_browses_years_either_way_and_reads_bad_dates_as_today(client, login_as):
    login_as("client")
    today = utcnow().astimezone(ZoneInfo("America/New_York")).date()
    for day in (today.replace(year=today.year + 5, day=1), today.replace(year=today.year - 5)):
        for view in ("week", "month"):
            assert client.get(f"/calendar?view={view}&date={day}").status_code == 200
    assert client.get("/calendar?view=month&date=not-a-date").status_code == 200


@pytest.mark.parametrize("clinic_clock", ["spring-forward"], indirect=True)
def test_a_session_at_a_time_the_clocks_skip_has_a_working_page(app, clinic_clock):
    clinic = build_clinic(app, start=date(2027, 2, 1))
    with app.app_context():
        zone = clinic_zone()
        early = SessionSeries(
            kind="individual",
            client_id=clinic.member.id,
            timezone=str(zone),
            start_date=date(2027, 3, 7),
            start_time=time(2, 30),  # 02:30 does not exist on 2027-03-14 in New York
            duration_minutes=60,
            weekdays="6",
        )
        db.session.add(early)
        db.session.commit()
        day = CLINIC_INSTANTS["spring-forward"].date()
        window = (
            datetime.combine(day, time(0), tzinfo=zone),
            datetime.combine(day, time(12), tzinfo=zone),
        )
        (listed,) = expand([early], *window, zone)
        series_id, key = early.id, occurrence_key(listed.original_start)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    assert f"/calendar/{series_id}/{key}" in client.get("/calendar").get_data(as_text=True)
    page = client.get(f"/calendar/{series_id}/{key}")
    assert page.status_code == 200
    assert (
        post(client, f"/calendar/{series_id}/{key}/notice", {"kind": "cant_make_it"}).status_code
        == 302
    )
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    assert staff.get(f"/care/sessions/{series_id}/{key}").status_code == 200
