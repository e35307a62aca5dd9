"""The care team's safety loop over HTTP and the dispatcher: the counselor's home, the badge,
the push at once, the escalation to everyone on duty, the client's honest next step, the report."""

import re
from datetime import date, timedelta

import time_machine
from sqlalchemy import select

from portal.accounts.models import User
from portal.checkins.models import CheckIn
from portal.checkins.rules import mark_reviewed, save_checkin
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import make_user, post, sign_in
from tests.push_helpers import TELLTALE, add_device, at, dispatch, make_clinic
from tests.test_notifications import push  # noqa: F401 (the fake push service fixture)

CALM = {
    "mood": 3,
    "craving": 2,
    "used": False,
    "used_what": "",
    "sleep": "well",
    "triggers": [],
    "coping": [],
    "confidence": 7,
    "self_harm": False,
    "note": "",
}
MONDAY_10AM = at("2026-11-23T10:00:00-05:00")


def flag(app, client_id: int, now, day=date(2026, 11, 23), **answers) -> int:
    with app.app_context():
        checkin, _ = save_checkin(db.session.get(User, client_id), day, {**CALM, **answers}, now)
        return checkin.id


def test_the_home_page_leads_with_flags_worst_first_then_todays_notices(app, client):
    staff = make_user(app, "staff", name="Casey Counselor")
    names = ("Cora Craving", "Uma Use", "Sam Selfharm", "Calm Carl")
    people = {n: make_user(app, "client", name=n, counselor_id=staff.id) for n in names}
    now = at("2026-11-23T10:00:00-05:00")
    flag(app, people["Cora Craving"].id, now - timedelta(hours=2), craving=10)
    flag(app, people["Uma Use"].id, now - timedelta(hours=1), used=True)
    flag(app, people["Sam Selfharm"].id, now - timedelta(minutes=12), self_harm=True)
    flag(app, people["Calm Carl"].id, now)
    with time_machine.travel(now, tick=False):
        sign_in(client, staff.email)
        response = client.get("/", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == "/care/"
    flags = html[html.index('id="flags-title"') : html.index('id="notices-title"')]
    order = re.findall(r'class="flag-client">([^<]+)<', flags)
    assert order == ["Sam Selfharm", "Uma Use", "Cora Craving"]
    assert "Urgent:</strong> Thoughts of self-harm" in flags
    assert "12 minutes ago" in flags and "Mon, 9:48\u202fAM" in flags
    checkin_id = db_checkin_id(app, people["Sam Selfharm"].id)
    assert f"/care/clients/{people['Sam Selfharm'].id}/checkins#checkin-{checkin_id}" in flags
    assert (
        html.index('id="flags-title"')
        < html.index("Today's sessions")
        < html.index("Find a client")
    )


def db_checkin_id(app, client_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(CheckIn.id).where(CheckIn.client_id == client_id))


def test_the_badge_counts_unreviewed_flags_on_every_staff_page(app, client):
    staff = make_user(app, "staff")
    alex = make_user(app, "client", counselor_id=staff.id)
    sign_in(client, staff.email)
    assert "has-flags" not in client.get("/care/sessions").get_data(as_text=True)
    checkin_id = flag(app, alex.id, MONDAY_10AM, self_harm=True)
    for page in ("/care/", "/care/sessions", "/care/checkins", "/settings"):
        html = client.get(page).get_data(as_text=True)
        assert re.search(
            r'id="flag-badge" class="count-badge has-flags".*?<span>1</span>', html, re.S
        )
    fragment = client.get("/care/flags/count", headers={"HX-Request": "true"})
    assert "<span>1</span>" in fragment.text and "<html" not in fragment.text
    with app.app_context():
        checkin = db.session.get(CheckIn, checkin_id)
        mark_reviewed(checkin, db.session.get(User, staff.id), "called_client", "", MONDAY_10AM)
    assert "has-flags" not in client.get("/care/flags/count", headers={"HX-Request": "true"}).text
    assert client.get("/care/flags/count").location == "/care/checkins"


def test_a_self_harm_flag_reaches_the_counselor_at_once_and_everyone_on_duty_later(app, push):  # noqa: F811
    clinic = make_clinic(app)
    other = make_user(app, "staff", name="Other Counselor")
    away = make_user(app, "staff", name="Gone Counselor")
    with app.app_context():
        db.session.get(User, away.id).active = False
        db.session.commit()
    counselor_device = push.new_device()
    other_device = push.new_device()
    add_device(app, clinic.staff.id, counselor_device)
    add_device(app, other.id, other_device)
    add_device(app, away.id, push.new_device())
    checkin_id = flag(app, clinic.client.id, MONDAY_10AM, self_harm=True)

    first = dispatch(app, MONDAY_10AM + timedelta(seconds=20))
    assert len(first.sent) == 1
    (message,) = push.accepted
    assert message.token == counselor_device.token
    assert message.payload["body"] == "A check-in needs your review"
    assert message.headers["urgency"] == "high"
    assert not [w for w in TELLTALE if w in str(message.payload).lower()]

    assert dispatch(app, MONDAY_10AM + timedelta(minutes=14)).sent == []
    later = dispatch(app, MONDAY_10AM + timedelta(minutes=15))
    assert len(later.sent) == 2  # everyone active: the other counselor and the client's own
    tokens = {m.token for m in push.accepted[1:]}
    assert tokens == {counselor_device.token, other_device.token}
    assert {m.payload["body"] for m in push.accepted} == {"A check-in needs your review"}
    assert dispatch(app, MONDAY_10AM + timedelta(minutes=20)).sent == []  # exactly once
    kinds = sorted(r.kind for r in outbox_rows(app))
    assert kinds == ["checkin_escalation", "checkin_escalation", "checkin_review"]
    assert checkin_id


def outbox_rows(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage)).all()


def test_a_flag_reviewed_in_time_is_not_escalated(app, push):  # noqa: F811
    clinic = make_clinic(app)
    other = make_user(app, "staff", name="Other Counselor")
    add_device(app, other.id, push.new_device())
    checkin_id = flag(app, clinic.client.id, MONDAY_10AM, self_harm=True)
    with app.app_context():
        checkin = db.session.get(CheckIn, checkin_id)
        staff = db.session.get(User, clinic.staff.id)
        mark_reviewed(checkin, staff, "called_client", "", MONDAY_10AM + timedelta(minutes=5))
    assert dispatch(app, MONDAY_10AM + timedelta(minutes=30)).sent == []


def test_a_flag_at_night_waits_for_the_morning_to_escalate(app, push):  # noqa: F811
    clinic = make_clinic(app)
    other = make_user(app, "staff", name="Other Counselor")
    add_device(app, clinic.staff.id, push.new_device())
    add_device(app, other.id, push.new_device())
    night = at("2026-11-23T23:30:00-05:00")
    flag(app, clinic.client.id, night, self_harm=True)
    assert len(dispatch(app, night + timedelta(seconds=10)).sent) == 1  # the counselor, at once
    assert dispatch(app, night + timedelta(hours=1)).sent == []
    assert dispatch(app, at("2026-11-24T09:14:00-05:00")).sent == []
    assert len(dispatch(app, at("2026-11-24T09:15:00-05:00")).sent) == 2


def test_use_and_cravings_go_to_the_counselor_but_do_not_escalate(app, push):  # noqa: F811
    clinic = make_clinic(app)
    other = make_user(app, "staff", name="Other Counselor")
    add_device(app, clinic.staff.id, push.new_device())
    add_device(app, other.id, push.new_device())
    flag(app, clinic.client.id, MONDAY_10AM, used=True, craving=10)
    assert len(dispatch(app, MONDAY_10AM).sent) == 1
    assert dispatch(app, MONDAY_10AM + timedelta(hours=1)).sent == []


def test_a_client_without_a_counselor_is_the_whole_teams_at_once(app, push):  # noqa: F811
    staff = [make_user(app, "staff") for _ in range(2)]
    for person in staff:
        add_device(app, person.id, push.new_device())
    alex = make_user(app, "client")
    flag(app, alex.id, MONDAY_10AM, self_harm=True)
    assert len(dispatch(app, MONDAY_10AM).sent) == 2


def check_in_hard(client):
    form = {
        "mood": "1",
        "craving": "10",
        "used": "yes",
        "sleep": "hardly",
        "confidence": "1",
        "self_harm": "yes",
    }
    return post(client, "/checkin", form, follow_redirects=True)


def test_in_clinic_hours_the_client_is_told_the_care_team_has_been_told(app, client):
    person = make_user(app, "client")
    with time_machine.travel(MONDAY_10AM, tick=False):
        sign_in(client, person.email)
        html = check_in_hard(client).get_data(as_text=True)
    assert "Your care team has been told." in html and 'href="tel:988"' in html
    assert "The clinic is closed now." not in html


def test_after_hours_the_client_is_told_when_the_clinic_opens_and_gets_the_line(app, client):
    app.config["AFTER_HOURS_PHONE"] = "555-010-9999"
    person = make_user(app, "client")
    with time_machine.travel(at("2026-11-28T14:00:00-05:00"), tick=False):  # a Saturday
        sign_in(client, person.email)
        html = check_in_hard(client).get_data(as_text=True)
    assert "The clinic is closed now." in html
    assert "will see this when the clinic opens, Monday, 9:00\u202fAM." in html
    assert 'href="tel:5550109999"' in html and 'href="tel:988"' in html
    assert "has been told" not in html


def test_the_report_shows_flags_median_review_time_and_late_ones(app, client):
    admin = make_user(app, "staff", name="Dana Director", admin=True)
    people = [make_user(app, "client", name=f"Client {n}") for n in range(3)]
    quick = flag(app, people[0].id, at("2026-11-23T10:00:00-05:00"), self_harm=True)
    slow = flag(app, people[1].id, at("2026-11-24T10:00:00-05:00"), used=True)
    flag(app, people[2].id, at("2026-11-25T10:00:00-05:00"), self_harm=True)
    with app.app_context():
        director = db.session.get(User, admin.id)
        for checkin_id, minutes in ((quick, 10), (slow, 30)):
            checkin = db.session.get(CheckIn, checkin_id)
            done = checkin.flagged_at + timedelta(minutes=minutes)
            mark_reviewed(checkin, director, "safety_plan", "", done)
    with time_machine.travel(at("2026-11-25T12:00:00-05:00"), tick=False):
        sign_in(client, admin.email)
        html = client.get("/care/reports/flags").get_data(as_text=True)
    facts = html[html.index('class="facts report-facts"') : html.index("Each flag")]
    numbers = re.findall(r"<dd>([^<]+)</dd>", facts)
    assert numbers == ["3", "20 minutes", "2", "1"]
    assert html.count('class="late"') == 2


def test_the_home_page_refreshes_what_needs_the_counselor_as_a_fragment(app, client):
    staff = make_user(app, "staff")
    alex = make_user(app, "client", name="Alex Morgan", counselor_id=staff.id)
    sign_in(client, staff.email)
    flag(app, alex.id, MONDAY_10AM, self_harm=True)
    response = client.get("/care/", headers={"HX-Request": "true", "HX-Target": "attention"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="attention"')
    assert "Alex Morgan" in html and "<html" not in html and "Find a client" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_clients_timeline_shows_flags_and_reviews(app, client):
    staff = make_user(app, "staff", name="Casey Counselor")
    alex = make_user(app, "client", name="Alex Morgan", counselor_id=staff.id)
    reviewed = flag(
        app, alex.id, at("2026-11-20T19:00:00-05:00"), day=date(2026, 11, 20), used=True
    )
    flag(app, alex.id, MONDAY_10AM, self_harm=True)
    with app.app_context():
        checkin = db.session.get(CheckIn, reviewed)
        done = checkin.flagged_at + timedelta(hours=1)
        mark_reviewed(checkin, db.session.get(User, staff.id), "crisis_referral", "", done)
    sign_in(client, staff.email)
    html = client.get(f"/care/clients/{alex.id}").get_data(as_text=True)
    timeline = html[html.index("Flags and reviews") : html.index("Family consents")]
    assert timeline.index("Mon, Nov 23") < timeline.index("Fri, Nov 20")
    assert "Not reviewed yet." in timeline
    assert "Reviewed by Casey Counselor on Fri, Nov 20, 8:00" in timeline
    assert "Referred to crisis services" in timeline
