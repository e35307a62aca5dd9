"""The session calendar: who sees what, cancel and move, notices, attendance and progress."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.schedule.calendar import agenda, how_soon, month, today_view, week
from portal.schedule.models import (
    AbsenceNotice,
    Attendance,
    Enrollment,
    Group,
    OccurrenceChange,
    SessionSeries,
)
from portal.schedule.occurrences import expand, find_occurrence, occurrences_for, parse_key
from portal.schedule.progress import program_week, progress_for
from portal.schedule.rules import (
    cancel_occurrence,
    move_occurrence,
    notice_problem,
    record_attendance,
    restore_occurrence,
    roster,
)
from portal.timeutil import clinic_zone, utcnow
from tests.conftest import make_user, post, sign_in

# Date rules: every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")


def build_clinic(app, start: date | None = None) -> SimpleNamespace:
    """A counselor, a group meeting Mon/Wed/Thu 18-21, two members, one outsider, one booking."""
    staff = make_user(app, "staff", name="Casey Counselor")
    member = make_user(app, "client", name="Alex Member", counselor_id=staff.id)
    member2 = make_user(app, "client", name="Sam Member", counselor_id=staff.id)
    outsider = make_user(app, "client", name="Other Outsider")
    with app.app_context():
        zone = clinic_zone()
        start = start or (utcnow().astimezone(zone).date() - timedelta(days=21))
        group = Group(name="Evening group")
        other_group = Group(name="Morning group")
        db.session.add_all([group, other_group])
        db.session.flush()
        db.session.add_all(
            [
                Enrollment(client_id=member.id, group_id=group.id, start_date=start),
                Enrollment(client_id=member2.id, group_id=group.id, start_date=start),
                Enrollment(client_id=outsider.id, group_id=other_group.id, start_date=start),
            ]
        )
        group_series = SessionSeries(
            kind="group",
            title="Evening group",
            group_id=group.id,
            timezone=str(zone),
            start_date=start,
            start_time=time(18),
            duration_minutes=180,
            weekdays="0,2,3",
            place="1 Main St",
            facilitator_id=staff.id,
        )
        individual = SessionSeries(
            kind="individual",
            client_id=member.id,
            timezone=str(zone),
            start_date=start,
            start_time=time(17),
            duration_minutes=60,
            weekdays="1",
            room="Office 4",
            facilitator_id=staff.id,
        )
        db.session.add_all([group_series, individual])
        db.session.commit()
        return SimpleNamespace(
            staff=staff,
            member=member,
            member2=member2,
            outsider=outsider,
            group_id=group.id,
            other_group_id=other_group.id,
            group_series_id=group_series.id,
            individual_id=individual.id,
            start=start,
        )


def person(user_id):
    return db.session.get(User, user_id)


def series(series_id):
    return db.session.get(SessionSeries, series_id)


def next_group_occurrence(clinic, now=None, after_days=1):
    now = now or utcnow()
    zone = clinic_zone()
    found = expand(
        [series(clinic.group_series_id)],
        now + timedelta(days=after_days),
        now + timedelta(days=after_days + 7),
        zone,
    )
    return found[0]


def test_clients_see_their_groups_and_their_own_sessions_only(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        mine = occurrences_for(person(clinic.member.id), now, now + timedelta(days=7), zone)
        theirs = occurrences_for(person(clinic.member2.id), now, now + timedelta(days=7), zone)
        outsider = occurrences_for(person(clinic.outsider.id), now, now + timedelta(days=7), zone)
        assert {o.series.kind for o in mine} == {"group", "individual"}
        assert {o.series.kind for o in theirs} == {"group"}
        assert outsider == []
        assert len([o for o in mine if o.series.kind == "group"]) == 3  # Mon, Wed, Thu


def test_family_members_see_nothing_without_consent(app):
    clinic = build_clinic(app)
    family = make_user(app, "family")
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        assert (
            clinic.member
            and occurrences_for(person(family.id), now, now + timedelta(days=30), zone) == []
        )


def test_cancelling_one_occurrence_leaves_the_rest(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        target = next_group_occurrence(clinic)
        cancel_occurrence(target, person(clinic.staff.id), "Snow day", now=utcnow())
        items = expand([series(clinic.group_series_id)], now, now + timedelta(days=14), zone)
        cancelled = [o for o in items if o.cancelled]
        assert [o.key for o in cancelled] == [target.key]
        assert cancelled[0].note == "Snow day"
        assert len(items) >= 5
        restore_occurrence(cancelled[0], person(clinic.staff.id), now=utcnow())
        again = expand([series(clinic.group_series_id)], now, now + timedelta(days=14), zone)
        assert not any(o.cancelled for o in again)


def test_moving_an_occurrence_keeps_its_identity_and_bumps_the_sequence(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        target = next_group_occurrence(clinic)
        new_start = (target.start + timedelta(days=1)).replace(hour=10)
        move_occurrence(
            target,
            new_start,
            new_start + timedelta(hours=2),
            person(clinic.staff.id),
            now=utcnow(),
        )
        items = expand([series(clinic.group_series_id)], now, now + timedelta(days=14), zone)
        moved = [o for o in items if o.key == target.key]
        assert len(moved) == 1 and moved[0].moved and moved[0].start == new_start
        assert moved[0].sequence == 1
        restore_occurrence(moved[0], person(clinic.staff.id), now=utcnow())
        restored = find_occurrence(series(clinic.group_series_id), target.original_start, zone)
        assert restored.start == target.start and restored.sequence == 2


def test_an_occurrence_moved_into_a_window_shows_up_there(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone = clinic_zone()
        target = next_group_occurrence(clinic, after_days=10)
        new_start = datetime.combine(target.start.date() - timedelta(days=9), time(9), tzinfo=zone)
        move_occurrence(
            target,
            new_start,
            new_start + timedelta(hours=3),
            person(clinic.staff.id),
            now=utcnow(),
        )
        window = expand(
            [series(clinic.group_series_id)],
            new_start - timedelta(hours=1),
            new_start + timedelta(hours=1),
            zone,
        )
        assert [o.key for o in window] == [target.key]


def test_only_real_occurrences_can_be_found(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone = clinic_zone()
        real = next_group_occurrence(clinic)
        assert find_occurrence(series(clinic.group_series_id), real.original_start, zone)
        off_by_an_hour = real.original_start + timedelta(hours=1)
        assert find_occurrence(series(clinic.group_series_id), off_by_an_hour, zone) is None
    assert parse_key("20261123T230000Z") is not None
    assert parse_key("not-a-key") is None and parse_key("20261399T230000Z") is None


def test_an_until_date_ends_the_series_inclusively(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone = clinic_zone()
        item = series(clinic.group_series_id)
        item.until_date = clinic.start + timedelta(days=13)
        db.session.commit()
        items = expand(
            [item],
            datetime.combine(clinic.start, time(0), tzinfo=zone),
            datetime.combine(clinic.start + timedelta(days=60), time(0), tzinfo=zone),
            zone,
        )
        assert items[-1].start.date() <= item.until_date
        assert len(items) == 6  # two weeks of Mon, Wed, Thu


def test_attendance_hours_and_the_absence_rule(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        staff = person(clinic.staff.id)
        past = [
            o
            for o in expand([series(clinic.group_series_id)], now - timedelta(days=21), now, zone)
            if o.end <= now
        ]
        assert roster(past[0]) == [person(clinic.member.id), person(clinic.member2.id)]
        record_attendance(past[0], {clinic.member.id: "attended"}, staff, now=utcnow())
        record_attendance(past[1], {clinic.member.id: "late"}, staff, now=utcnow())
        record_attendance(past[2], {clinic.member.id: "unexcused"}, staff, now=utcnow())
        # Recording the same again changes nothing.
        record_attendance(past[2], {clinic.member.id: "unexcused"}, staff, now=utcnow())
        progress = progress_for(person(clinic.member.id), now, zone)
        assert progress.counts == {"attended": 1, "late": 1, "unexcused": 1}
        assert progress.attendance_percent == 67
        assert progress.absence_level == "close"
        record_attendance(past[3], {clinic.member.id: "unexcused"}, staff, now=utcnow())
        assert progress_for(person(clinic.member.id), now, zone).absence_level == "reached"
        with pytest.raises(ValueError):
            record_attendance(past[4], {clinic.member.id: "vanished"}, staff, now=utcnow())


def test_hours_this_week_count_only_attended_and_late(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        progress = progress_for(person(clinic.member.id), now, zone)
        week_start = datetime.combine(progress.week_start, time(0), tzinfo=zone)
        this_week = [
            o
            for o in expand([series(clinic.group_series_id)], week_start, now, zone)
            if o.end <= now
        ]
        statuses = ["attended", "late", "excused"]
        for o, status in zip(this_week, statuses, strict=False):
            record_attendance(o, {clinic.member.id: status}, person(clinic.staff.id), now=utcnow())
        expected = 180 * min(2, len(this_week))
        assert progress_for(person(clinic.member.id), now, zone).minutes_this_week == expected


@pytest.mark.parametrize(("days_in", "week"), [(0, 1), (6, 1), (7, 2), (83, 12), (200, 12)])
def test_program_week(days_in, week):
    enrollment = Enrollment(start_date=date(2026, 1, 5), planned_weeks=12)
    assert program_week(enrollment, date(2026, 1, 5) + timedelta(days=days_in)) == week


def test_notices_have_rules(app):
    clinic = build_clinic(app)
    with app.app_context():
        now = utcnow()
        upcoming = next_group_occurrence(clinic, after_days=2)
        assert notice_problem(upcoming, "cant_make_it", now) is None
        assert notice_problem(upcoming, "running_late", now) is not None
        assert notice_problem(upcoming, "running_late", upcoming.start - timedelta(hours=1)) is None
        assert notice_problem(upcoming, "cant_make_it", upcoming.end) is not None
        upcoming.cancelled = True
        assert notice_problem(upcoming, "cant_make_it", now) is not None


def test_a_client_says_they_cant_make_it_and_the_care_team_sees_it(app):
    clinic = build_clinic(app)
    with app.app_context():
        target = next_group_occurrence(clinic, after_days=2)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = f"/calendar/{clinic.group_series_id}/{target.key}"
    page = client.get(url)
    assert page.status_code == 200 and "Can't make it" in page.get_data(as_text=True)
    response = post(
        client,
        url + "/notice",
        {"kind": "cant_make_it", "reason": "Sick kid"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card notice" id="notice"')
    assert "Sent to your care team" in html
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    dashboard = staff.get("/care/").get_data(as_text=True)
    assert "Alex Member" in dashboard and "Sick kid" in dashboard
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AbsenceNotice)) == 1


def test_a_bad_notice_is_refused_with_a_message_and_nothing_stored(app):
    clinic = build_clinic(app)
    with app.app_context():
        target = next_group_occurrence(clinic, after_days=2)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    url = f"/calendar/{clinic.group_series_id}/{target.key}/notice"
    for data in (
        {"kind": "running_late"},
        {"kind": "nonsense"},
        {"kind": "cant_make_it", "reason": "x" * 201},
    ):
        response = post(client, url, data)
        assert response.status_code == 422, data
        assert 'class="error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AbsenceNotice)) == 0


def test_the_outsider_cannot_open_the_groups_sessions(app):
    clinic = build_clinic(app)
    with app.app_context():
        target = next_group_occurrence(clinic)
    client = app.test_client()
    sign_in(client, clinic.outsider.email)
    url = f"/calendar/{clinic.group_series_id}/{target.key}"
    assert client.get(url).status_code == 404
    assert post(client, url + "/notice", {"kind": "cant_make_it"}).status_code == 404
    assert client.get(f"/calendar/{clinic.individual_id}/{target.key}").status_code == 404


def test_a_made_up_occurrence_key_is_404(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    assert client.get(f"/calendar/{clinic.group_series_id}/20991231T235959Z").status_code == 404
    assert client.get(f"/calendar/{clinic.group_series_id}/garbage").status_code == 404


def test_staff_take_attendance_on_the_roster(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone, now = clinic_zone(), utcnow()
        last = [
            o
            for o in expand([series(clinic.group_series_id)], now - timedelta(days=7), now, zone)
            if o.end <= now
        ][-1]
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    url = f"/care/sessions/{clinic.group_series_id}/{last.key}/attendance"
    page = staff.get(url).get_data(as_text=True)
    assert "Alex Member" in page and "Sam Member" in page and "Other Outsider" not in page
    assert post(staff, url, {}).status_code == 422
    assert post(staff, url, {f"status-{clinic.member.id}": "made-up"}).status_code == 422
    response = post(
        staff, url, {f"status-{clinic.member.id}": "late", f"status-{clinic.member2.id}": "excused"}
    )
    assert response.status_code == 302
    with app.app_context():
        rows = {a.client_id: (a.status, a.minutes) for a in db.session.scalars(select(Attendance))}
    assert rows == {clinic.member.id: ("late", 180), clinic.member2.id: ("excused", 0)}
    response = post(staff, url, {f"status-{clinic.member.id}": "unexcused", "rest": "attended"})
    assert response.status_code == 302
    with app.app_context():
        rows = {a.client_id: a.status for a in db.session.scalars(select(Attendance))}
    assert rows == {clinic.member.id: "unexcused", clinic.member2.id: "attended"}
    client = app.test_client()
    sign_in(client, clinic.member.email)
    page = client.get(f"/calendar/{clinic.group_series_id}/{last.key}").get_data(as_text=True)
    assert "Unexcused absence" in page


def test_staff_cancel_and_move_through_the_pages(app):
    clinic = build_clinic(app)
    with app.app_context():
        target = next_group_occurrence(clinic, after_days=2)
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    base = f"/care/sessions/{clinic.group_series_id}/{target.key}"
    assert post(staff, base + "/cancel", {"note": "Closed"}).status_code == 302
    client = app.test_client()
    sign_in(client, clinic.member.email)
    assert "Cancelled" in client.get("/calendar").get_data(as_text=True)
    bad = post(
        staff,
        base + "/move",
        {"date": "not a date", "start_time": "25:00", "duration_minutes": "5"},
    )
    assert bad.status_code == 422
    new_day = (target.start + timedelta(days=1)).date().isoformat()
    moved = post(
        staff, base + "/move", {"date": new_day, "start_time": "10:00", "duration_minutes": "90"}
    )
    assert moved.status_code == 302
    with app.app_context():
        change = db.session.scalar(select(OccurrenceChange))
        assert not change.cancelled and change.sequence == 2
        assert change.new_end - change.new_start == timedelta(minutes=90)


def test_booking_form_rejects_bad_input_and_stores_nothing(app):
    clinic = build_clinic(app)
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    url = f"/care/clients/{clinic.member.id}/sessions/new"
    base = {
        "kind": "individual",
        "facilitator_id": clinic.staff.id,
        "start_date": "2026-12-01",
        "start_time": "17:00",
        "duration_minutes": "60",
        "repeat": "1",
        "place": "1 Main St",
    }
    cases = [
        ({**base, "repeat": "1"}, "Pick at least one day."),
        ({**base, "repeat": "0", "place": ""}, "Give an address, a room or a video call link."),
        (
            {**base, "repeat": "1", "weekdays": "1", "until_date": "2026-11-01"},
            "The last date is before the first date.",
        ),
        ({**base, "repeat": "0", "telehealth_url": "javascript:alert(1)"}, "https://"),
        ({**base, "repeat": "0", "duration_minutes": "0"}, "between 10 and 480"),
        ({**base, "repeat": "0", "kind": "group"}, "Not a valid choice"),
        # Found by the fuzz suite: WTForms' range check overflowed turning this into a float.
        ({**base, "repeat": "0", "duration_minutes": "9" * 400}, "Enter a smaller number."),
    ]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(SessionSeries))
    for data, message in cases:
        response = post(staff, url, data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SessionSeries)) == before
    ok = post(staff, url, {**base, "weekdays": ["1", "3"], "repeat": "2"})
    assert ok.status_code == 302
    with app.app_context():
        booked = db.session.scalars(select(SessionSeries).order_by(SessionSeries.id.desc())).first()
        assert (booked.weekdays, booked.interval_weeks) == ("1,3", 2)


def test_groups_and_enrollment_through_the_pages(app):
    clinic = build_clinic(app)
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    assert post(staff, "/care/groups", {"name": ""}).status_code == 422
    response = post(staff, "/care/groups", {"name": "Weekend group"})
    assert response.status_code == 302
    group_id = int(response.location.rsplit("/", 1)[1])
    series_url = f"/care/groups/{group_id}/series/new"
    assert staff.get(series_url).status_code == 200
    assert (
        post(
            staff,
            series_url,
            {
                "kind": "group",
                "facilitator_id": clinic.staff.id,
                "start_date": "2026-12-05",
                "start_time": "09:30",
                "duration_minutes": "180",
                "repeat": "1",
                "weekdays": ["5"],
                "room": "Room 1",
            },
        ).status_code
        == 302
    )
    enroll_url = f"/care/clients/{clinic.outsider.id}/enrollment"
    assert post(staff, enroll_url, {"start_date": "", "planned_weeks": "0"}).status_code == 422
    assert (
        post(
            staff,
            enroll_url,
            {
                "start_date": "2026-11-01",
                "planned_weeks": "12",
                "phase": "intermediate",
                "required_hours": "6",
                "absence_warning_at": "3",
                "group_id": group_id,
            },
        ).status_code
        == 302
    )
    with app.app_context():
        enrollment = db.session.scalar(
            select(Enrollment).where(Enrollment.client_id == clinic.outsider.id)
        )
        assert (enrollment.group_id, enrollment.required_minutes_per_week, enrollment.phase) == (
            group_id,
            360,
            "intermediate",
        )


def test_staff_views_of_a_client_are_audited(app):
    from portal.audit.models import AuditEvent

    clinic = build_clinic(app)
    staff = app.test_client()
    sign_in(staff, clinic.staff.email)
    assert staff.get(f"/care/clients/{clinic.member.id}/progress").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert (event.client_id, event.what) == (clinic.member.id, "schedule.progress")


def test_views_arrange_days(app):
    clinic = build_clinic(app)
    with app.app_context():
        zone = clinic_zone()
        who = person(clinic.member.id)
        now = datetime.combine(clinic.start + timedelta(days=21), time(12), tzinfo=zone)
        days = agenda(who, now, zone)
        assert all(d.occurrences for d in days) and len(days) >= 12
        grid = week(who, now.date(), now, zone)
        assert [d.date.weekday() for d in grid] == list(range(7))
        weeks = month(who, now.date(), now, zone)
        assert all(len(w) == 7 for w in weeks) and weeks[0][0].date.weekday() == 0
        view = today_view(who, now, zone)
        assert view["next"] is not None and view["next"].start > now


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=-5), "Happening now"),
        (timedelta(minutes=40), "Today, in 40 minutes"),
        (timedelta(hours=3), "Today, in 3 hours"),
        (timedelta(days=1), "Tomorrow"),
        (timedelta(days=3), "In 3 days"),
    ],
)
def test_how_soon_speaks_plainly(app, delta, text):
    with app.test_request_context():
        now = datetime(2026, 11, 23, 8, 0, tzinfo=clinic_zone())
        assert how_soon(now + delta, now) == text


def test_client_pages_show_the_schedule(app):
    clinic = build_clinic(app)
    client = app.test_client()
    sign_in(client, clinic.member.email)
    today = client.get("/today").get_data(as_text=True)
    assert "Next" in today and ("Evening group" in today or "Individual session" in today)
    for view in (
        "",
        "?view=week",
        "?view=month",
        "?view=month&date=2027-02-10",
        "?view=week&date=nonsense",
        "?view=bogus",
    ):
        assert client.get("/calendar" + view).status_code == 200, view
    progress = client.get("/progress").get_data(as_text=True)
    assert "Week 4 of 12" in progress and "Hours this week" in progress
