"""The daily check-in: one a day in the clinic's zone, the edit window, flags, sending once."""

import re
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.checkins.models import CheckIn
from portal.checkins.rules import (
    clinic_today,
    day_problem,
    needs_attention,
    save_checkin,
    streak,
    submit_checkin,
)
from portal.extensions import db
from portal.idempotency import IdempotencyKey, Result, body_hash, earlier, once
from portal.timeutil import utcnow
from tests.conftest import csrf_token, make_user, post, sign_in

# Every test here runs at a fixed instant (see CLINIC_INSTANTS in conftest).
pytestmark = pytest.mark.usefixtures("clinic_clock")

ANSWERS = {
    "mood": 4,
    "craving": 3,
    "used": False,
    "used_what": "",
    "sleep": "well",
    "triggers": [],
    "coping": [],
    "confidence": 7,
    "self_harm": False,
    "note": "",
}


def form(**changes) -> dict:
    """Return a complete check-in as a browser sends it, with a fresh idempotency key."""
    data = {
        "mood": "4",
        "craving": "3",
        "used": "no",
        "sleep": "well",
        "confidence": "7",
        "self_harm": "no",
        "triggers": ["tired", "stress"],
        "coping": ["meeting"],
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def rows(app, model=CheckIn) -> list:
    with app.app_context():
        return list(db.session.scalars(select(model).order_by(model.id)))


@pytest.fixture
def person(app, client):
    user = make_user(app, "client", name="Alex Client")
    assert sign_in(client, user.email).status_code == 302
    return user


def client_row(app, user_id):
    return db.session.get(User, user_id)


# --- Rules, without HTTP


def test_the_day_is_the_clinics_day_around_midnight(app):
    with app.app_context():  # America/New_York, five hours behind UTC in November
        assert clinic_today(datetime(2026, 11, 23, 4, 59, tzinfo=UTC)) == date(2026, 11, 22)
        assert clinic_today(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)) == date(2026, 11, 23)
        app.config["CLINIC_TIMEZONE"] = "America/Los_Angeles"
        assert clinic_today(datetime(2026, 11, 23, 7, 59, tzinfo=UTC)) == date(2026, 11, 22)


def test_two_saves_on_one_clinic_day_make_one_row_and_midnight_starts_another(app, person):
    before_midnight = datetime(2026, 11, 23, 4, 58, tzinfo=UTC)  # 23:58 in New York
    after_midnight = datetime(2026, 11, 23, 5, 1, tzinfo=UTC)
    with app.app_context():
        user = client_row(app, person.id)
        first, _ = save_checkin(user, clinic_today(before_midnight), ANSWERS, before_midnight)
        again, _ = save_checkin(
            user, clinic_today(before_midnight), {**ANSWERS, "mood": 2}, before_midnight
        )
        assert again.id == first.id and again.mood == 2
        nxt, _ = save_checkin(user, clinic_today(after_midnight), ANSWERS, after_midnight)
        assert nxt.id != first.id
        assert [c.day for c in rows(app)] == [date(2026, 11, 22), date(2026, 11, 23)]


def test_the_edit_window_closes_at_midnight_but_a_late_first_answer_gets_in():
    today = date(2026, 11, 23)
    yesterday = today - timedelta(days=1)
    some = object()
    assert day_problem(today, today, None) is None
    assert day_problem(today, today, some) is None  # edit the same day
    assert day_problem(yesterday, today, some) is not None  # no edits after midnight
    assert day_problem(yesterday, today, None) is None  # a late arrival from the outbox
    assert day_problem(today - timedelta(days=8), today, None) is not None
    assert day_problem(today + timedelta(days=1), today, None) is not None


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({}, []),
        ({"craving": 7}, []),
        ({"craving": 8}, ["craving"]),
        ({"craving": 10}, ["craving"]),
        ({"used": True}, ["use"]),
        ({"self_harm": True}, ["self_harm"]),
        ({"used": True, "craving": 9, "self_harm": True}, ["use", "craving", "self_harm"]),
    ],
)
def test_what_needs_attention_at_the_default_threshold(changes, reasons):
    checkin = CheckIn(**{**ANSWERS, **changes})
    assert needs_attention(checkin, 8) == reasons


def test_the_threshold_is_a_clinic_setting(app, person):
    app.config["CRISIS_CRAVING_THRESHOLD"] = 6
    with app.app_context():
        checkin, newly = save_checkin(
            client_row(app, person.id), date(2026, 11, 23), {**ANSWERS, "craving": 6}, utcnow()
        )
        assert newly and checkin.flag_reasons == ["craving"]


def test_a_flag_stays_when_the_answers_are_edited_and_the_hook_runs_once(app, person):
    with app.app_context():
        user, day = client_row(app, person.id), date(2026, 11, 23)
        checkin, newly = save_checkin(user, day, {**ANSWERS, "craving": 9}, utcnow())
        assert newly and checkin.flagged
        checkin, newly = save_checkin(user, day, {**ANSWERS, "craving": 2}, utcnow())
        assert not newly and checkin.flagged and checkin.flag_reasons == ["craving"]
        checkin, newly = save_checkin(user, day, {**ANSWERS, "used": True}, utcnow())
        assert not newly and checkin.flag_reasons == ["craving", "use"]


def test_streaks_count_back_from_today_or_from_yesterday_while_today_is_open():
    today = date(2026, 11, 23)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert streak(days, today) == 3
    assert streak(days | {today}, today) == 4
    assert streak({today - timedelta(days=2)}, today) == 0
    assert streak(set(), today) == 0


def test_a_submission_is_saved_once_per_key_and_flags_only_the_first_time(app, person):
    day, danger = date(2026, 11, 23), {**ANSWERS, "self_harm": True}
    with app.app_context():
        user = client_row(app, person.id)
        first, flagged = submit_checkin(user, day, danger, "k" * 20, "hash-a", now=utcnow())
        assert first == Result("saved", first.result_id) and flagged
        again, flagged = submit_checkin(user, day, danger, "k" * 20, "hash-a", now=utcnow())
        assert again == Result("saved", first.result_id, replay=True) and not flagged
        other, flagged = submit_checkin(user, day, ANSWERS, "k" * 20, "hash-b", now=utcnow())
        assert other.outcome == "conflict" and not flagged
        assert db.session.get(CheckIn, first.result_id).self_harm  # the conflict changed nothing
        assert earlier("k" * 20, "homework-draft", person.id, "hash-a") == Result("conflict")


def test_a_request_that_dies_mid_way_leaves_no_key_so_its_retry_saves(app, person):
    """The key is written with the change, never before it: nothing is left "in flight"."""
    with app.app_context():

        def dies():
            db.session.add(CheckIn(client_id=person.id, day=date(2026, 11, 23), **ANSWERS))
            db.session.flush()
            raise ConnectionError("the process was killed")

        with pytest.raises(ConnectionError):
            once("d" * 20, "checkin", person.id, "hash", dies, now=utcnow())
        db.session.rollback()  # what the request's teardown does
        assert earlier("d" * 20, "checkin", person.id, "hash") is None
        user = client_row(app, person.id)
        retry, _ = submit_checkin(user, date(2026, 11, 23), ANSWERS, "d" * 20, "hash", now=utcnow())
        assert retry.outcome == "saved" and not retry.replay
        assert len(rows(app)) == 1


def test_the_body_hash_ignores_the_form_token_and_the_key():
    from werkzeug.datastructures import MultiDict

    a = MultiDict([("mood", "3"), ("csrf_token", "x"), ("triggers", "a"), ("triggers", "b")])
    b = MultiDict([("triggers", "a"), ("triggers", "b"), ("mood", "3"), ("csrf_token", "y")])
    c = MultiDict([("mood", "3"), ("triggers", "b"), ("triggers", "a")])
    assert body_hash(a) == body_hash(b) != body_hash(c)


# --- Over HTTP


def test_the_form_is_taps_in_fieldsets_with_a_fresh_key(client, person):
    html = client.get("/checkin").get_data(as_text=True)
    assert html.count("<fieldset") >= 7
    assert len(re.findall(r'type="radio" name="craving"', html)) == 11
    assert len(re.findall(r'type="radio" name="mood"', html)) == 5
    assert "Very low" in html and "Very good" in html  # faces carry words
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', html)
    assert key
    assert "data-outbox" in html and 'data-crisis-if="used=yes self_harm=yes craving>=8"' in html
    assert " style=" not in html and "onclick" not in html


def test_a_check_in_is_saved_and_answered_with_its_page(app, client, person):
    response = post(client, "/checkin", form())
    assert response.status_code == 303
    (checkin,) = rows(app)
    assert response.location == f"/checkins/{checkin.id}"
    assert checkin.triggers == ["tired", "stress"] and checkin.coping == ["meeting"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Thank you for checking in" in page
    assert "Tired, Stress" in page
    assert 'class="crisis-panel"' not in page.split("<main")[1].split("</main>")[0]


def test_a_replay_gets_the_first_answer_and_stores_nothing_more(app, client, person):
    data = form()
    first = post(client, "/checkin", data)
    again = post(client, "/checkin", data)
    assert again.status_code == 303 and again.location == first.location
    assert len(rows(app)) == 1 and len(rows(app, IdempotencyKey)) == 1


def test_the_key_may_come_in_a_header_as_the_outbox_sends_it(app, client, person):
    data = form(idempotency_key=None)
    headers = {"Idempotency-Key": "header-key-123", "X-Outbox-Owner": str(person.id)}
    first = post(client, "/checkin", data, headers=headers)
    again = post(client, "/checkin", data, headers=headers)
    assert first.status_code == again.status_code == 303
    assert [s.key for s in rows(app, IdempotencyKey)] == ["header-key-123"]


def test_the_same_key_with_other_answers_is_refused(app, client, person):
    data = form()
    post(client, "/checkin", data)
    response = post(client, "/checkin", {**data, "craving": "9"})
    assert response.status_code == 422
    (checkin,) = rows(app)
    assert checkin.craving == 3 and not checkin.flagged


def test_two_simultaneous_sends_of_one_key_store_one_check_in(app, person):
    data = form()
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        sign_in(c, person.email)
    tokens = [csrf_token(c) for c in clients]
    statuses, barrier = [], threading.Barrier(len(clients))

    def send(c, token):
        barrier.wait()
        statuses.append(c.post("/checkin", data={**data, "csrf_token": token}).status_code)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # No "still saving" refusal any more: every copy gets the one check-in's page.
    assert statuses == [303] * len(clients)
    assert len(rows(app)) == 1 and len(rows(app, IdempotencyKey)) == 1


def test_an_outbox_entry_of_someone_else_waits_for_them(app, client, person):
    headers = {"Idempotency-Key": "other-owner-1", "X-Outbox-Owner": str(person.id + 100)}
    assert post(client, "/checkin", form(), headers=headers).status_code == 409
    assert rows(app) == [] and rows(app, IdempotencyKey) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("craving", "11"), ("craving", "-1"), ("mood", "0"), ("mood", "six"), ("confidence", "")],
)
def test_a_value_out_of_range_gets_a_message_by_the_field_and_stores_nothing(
    app, client, person, field, value
):
    response = post(client, "/checkin", form(**{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert rows(app) == [] and rows(app, IdempotencyKey) == []


def test_a_missing_answer_and_a_made_up_trigger_are_refused(app, client, person):
    response = post(client, "/checkin", form(used=None, triggers=["not-a-trigger"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="used-error"' in html and 'id="triggers-error"' in html
    assert rows(app) == []


def test_yesterdays_check_in_cannot_be_changed_today(app, client, person):
    with app.app_context():
        yesterday = clinic_today(utcnow()) - timedelta(days=1)
        save_checkin(client_row(app, person.id), yesterday, ANSWERS, utcnow())
    response = post(client, "/checkin", form(day=yesterday.isoformat(), craving="9"))
    assert response.status_code == 422
    assert "This day is closed" in response.get_data(as_text=True)
    assert [c.craving for c in rows(app)] == [3]


def test_a_late_arrival_from_the_outbox_counts_for_the_day_it_was_made(app, client, person):
    with app.app_context():
        yesterday = clinic_today(utcnow()) - timedelta(days=1)
    assert post(client, "/checkin", form(day=yesterday.isoformat())).status_code == 303
    assert [c.day for c in rows(app)] == [yesterday]


def test_checking_in_again_today_edits_the_same_row(app, client, person):
    post(client, "/checkin", form())
    html = client.get("/checkin").get_data(as_text=True)
    assert "You checked in today" in html
    assert re.search(r'name="craving" value="3" checked', html)
    post(client, "/checkin", form(craving="5"))
    assert [c.craving for c in rows(app)] == [5]


def test_a_high_craving_shows_the_crisis_panel_at_once_and_flags_it(app, client, person):
    response = post(client, "/checkin", form(craving="9"), follow_redirects=True)
    main = response.get_data(as_text=True).split("<main")[1].split("</main>")[0]
    assert 'class="crisis-panel"' in main and 'href="tel:988"' in main
    assert "Strong cravings rise and then pass" in main
    assert 'class="next-step"' in main  # what happens next: see test_safety_loop.py
    (checkin,) = rows(app)
    assert checkin.flagged and checkin.flag_reasons == ["craving"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"used": "yes", "used_what": "beer"}, "A slip does not undo"),
        ({"self_harm": "yes"}, "thoughts of hurting yourself"),
    ],
)
def test_use_or_self_harm_show_the_panel_with_words_of_support(app, client, person, changes, words):
    response = post(client, "/checkin", form(**changes), follow_redirects=True)
    main = response.get_data(as_text=True).split("<main")[1].split("</main>")[0]
    assert 'class="crisis-panel"' in main and words in main
    assert rows(app)[0].flagged


def test_what_was_used_is_kept_only_with_a_yes(app, client, person):
    post(client, "/checkin", form(used="no", used_what="nothing to see"))
    assert rows(app)[0].used_what == ""


def test_the_plans_own_triggers_and_coping_feed_the_check_in(app, client, person):
    post(
        client,
        "/recovery-plan",
        {"triggers": "Payday Fridays\n\nPayday Fridays\n", "coping": "Walk the dog"},
    )
    html = client.get("/checkin").get_data(as_text=True)
    assert html.count('value="own:Payday Fridays"') == 1
    assert 'value="own:Walk the dog"' in html
    post(client, "/checkin", form(triggers=["own:Payday Fridays"], coping=["own:Walk the dog"]))
    assert rows(app)[0].triggers == ["own:Payday Fridays"]
    page = client.get("/checkins").get_data(as_text=True)
    assert "1 day in a row" in page


def test_the_history_lists_days_with_the_streak_and_the_trend(app, client, person):
    with app.app_context():
        user, today = client_row(app, person.id), clinic_today(utcnow())
        for ago in (0, 1, 2, 4):
            save_checkin(user, today - timedelta(days=ago), {**ANSWERS, "craving": ago}, utcnow())
    html = client.get("/checkins").get_data(as_text=True)
    assert "3 days in a row" in html
    assert html.count('href="/checkins/') == 4
    assert 'role="img"' in html and "<table>" in html and "Show the numbers" in html
    assert "Check in for today" not in html


def test_the_history_page_asks_the_database_a_fixed_number_of_questions(app, client, person):
    def count_queries(n_checkins: int) -> int:
        with app.app_context():
            user, today = client_row(app, person.id), clinic_today(utcnow())
            for ago in range(n_checkins):
                save_checkin(user, today - timedelta(days=ago), ANSWERS, utcnow())
            statements = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert client.get("/checkins").status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(statements)

    few = count_queries(3)
    many = count_queries(40)
    assert few == many
    assert many <= 8, many


def test_today_shows_whether_the_check_in_is_done(client, person):
    assert "Not done yet" in client.get("/today").get_data(as_text=True)
    post(client, "/checkin", form())
    assert "You checked in today" in client.get("/today").get_data(as_text=True)


# --- The care team


def test_the_care_list_puts_flagged_unreviewed_first(app, client):
    staff = make_user(app, "staff")
    alex = make_user(app, "client", name="Alex A")
    sam = make_user(app, "client", name="Sam S")
    with app.app_context():
        today = clinic_today(utcnow())
        a, s = client_row(app, alex.id), client_row(app, sam.id)
        save_checkin(a, today, ANSWERS, utcnow())
        reviewed, _ = save_checkin(
            s, today - timedelta(days=1), {**ANSWERS, "used": True}, utcnow()
        )
        reviewed.reviewed_at = datetime.now(UTC)
        save_checkin(
            s, today - timedelta(days=30), {**ANSWERS, "craving": 10}, utcnow()
        )  # old, open
        save_checkin(a, today - timedelta(days=30), ANSWERS, utcnow())  # old and fine: not listed
        db.session.commit()
    sign_in(client, staff.email)
    html = client.get("/care/checkins").get_data(as_text=True)
    items = re.findall(r"<li class=\"([^\"]*)\">\s*<a href=\"/care/clients/(\d+)/checkins\"", html)
    assert items == [("needs-review", str(sam.id)), ("", str(sam.id)), ("", str(alex.id))]


def test_the_care_team_reviews_a_flag_with_a_note_recorded_with_who_and_when(app, client):
    staff = make_user(app, "staff", name="Casey Counselor")
    alex = make_user(app, "client", name="Alex A")
    with app.app_context():
        checkin, _ = save_checkin(
            client_row(app, alex.id), clinic_today(utcnow()), {**ANSWERS, "craving": 9}, utcnow()
        )
        checkin_id = checkin.id
    sign_in(client, staff.email)
    page = client.get(f"/care/clients/{alex.id}/checkins").get_data(as_text=True)
    assert "Needs review" in page and "Strong craving" in page and 'role="img"' in page
    url = f"/care/checkins/{checkin_id}/review"
    too_long = post(client, url, {"action": "called_client", "note": "x" * 501})
    assert too_long.status_code == 422 and rows(app)[0].reviewed_at is None
    no_action = post(client, url, {"note": "Called; safe."})
    assert no_action.status_code == 422 and "Choose what you did." in no_action.text
    other_unsaid = post(client, url, {"action": "other"})
    assert (
        other_unsaid.status_code == 422 and "Say in a few words what you did." in other_unsaid.text
    )
    response = post(client, url, {"action": "called_client", "note": "Called; safe."})
    assert response.status_code == 302
    (checkin,) = rows(app)
    assert checkin.reviewed_by_id == staff.id and checkin.review_note == "Called; safe."
    assert checkin.review_action == "called_client" and checkin.reviewed_at is not None
    page = client.get(f"/care/clients/{alex.id}/checkins").get_data(as_text=True)
    assert "Reviewed by Casey Counselor" in page and "Needs review" not in page
    assert "Called the client" in page
    with app.app_context():
        review = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review"))
        assert (review.actor_id, review.client_id, review.what, review.object_id) == (
            staff.id,
            alex.id,
            "checkin",
            checkin_id,
        )
        assert abs(review.at - checkin.reviewed_at) < timedelta(seconds=1)


def test_the_care_teams_view_of_check_ins_is_audit_logged(app, client):
    staff = make_user(app, "staff")
    alex = make_user(app, "client")
    sign_in(client, staff.email)
    client.get(f"/care/clients/{alex.id}/checkins")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        assert [(e.actor_id, e.client_id, e.what) for e in events] == [
            (staff.id, alex.id, "checkins")
        ]


def test_a_check_in_that_is_not_flagged_cannot_be_reviewed(app, client):
    staff = make_user(app, "staff")
    alex = make_user(app, "client")
    with app.app_context():
        checkin, _ = save_checkin(
            client_row(app, alex.id), clinic_today(utcnow()), ANSWERS, utcnow()
        )
        checkin_id = checkin.id
    sign_in(client, staff.email)
    assert post(client, f"/care/checkins/{checkin_id}/review").status_code == 404


# --- The recovery plan


def test_the_recovery_plan_is_saved_line_by_line_with_chosen_milestones(app, client, person):
    response = post(
        client,
        "/recovery-plan",
        {
            "triggers": " Stress \nPayday",
            "warning_signs": "Skipping meals",
            "coping": "Walk",
            "reasons": "My kids",
            "show_days_since_use": "y",
        },
    )
    assert response.status_code == 302
    html = client.get("/recovery-plan").get_data(as_text=True)
    assert "<li>Stress</li>" in html and "<li>My kids</li>" in html
    assert "days since you last reported use" in html or "day since you last" in html
    assert "days in the program" not in html and "day in the program" not in html


def test_a_plan_with_too_long_a_line_is_refused_by_the_field(app, client, person):
    from portal.recovery_plan.models import RecoveryPlan

    response = post(client, "/recovery-plan", {"reasons": "x" * 121})
    assert response.status_code == 422
    assert 'id="reasons-error"' in response.get_data(as_text=True)
    assert rows(app, RecoveryPlan) == []


def test_milestones_count_days_since_the_last_reported_use(app, client, person):
    from portal.recovery_plan.models import RecoveryPlan
    from portal.recovery_plan.plan import milestone, milestones

    assert milestone(0) == {"days": 0, "reached": None, "next": 1}
    assert milestone(45) == {"days": 45, "reached": 30, "next": 60}
    assert milestone(400)["next"] == 455
    plan = RecoveryPlan(show_days_in_program=True, show_days_since_use=True)
    start, today = date(2026, 9, 1), date(2026, 11, 30)
    shown = dict(milestones(plan, start, date(2026, 10, 31), today))
    # Day 1 is the start date, as Progress counts program weeks (tests/test_client_day.py).
    assert shown["program"]["days"] == 91 and shown["program"]["reached"] == 90
    assert shown["since_use"]["days"] == 30


# --- The demo clinic


def test_the_demo_client_has_14_check_ins_in_21_days_one_flagged_and_reviewed(app):
    from portal.demo import seed_demo
    from portal.recovery_plan.contacts import contacts_of
    from portal.recovery_plan.plan import plan_of

    now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # a Wednesday
    with app.app_context():
        seed_demo(now)
        seed_demo(now)
        alex = db.session.scalar(select(User).where(User.email == "client@example.org"))
        today = clinic_today(now)
        days = db.session.scalars(select(CheckIn.day).where(CheckIn.client_id == alex.id)).all()
        assert len(days) == 14 and all(0 < (today - d).days < 21 for d in days)
        flagged = db.session.scalars(select(CheckIn).where(CheckIn.flagged_at.is_not(None))).all()
        assert len(flagged) == 1 and flagged[0].reviewed_by.email == "counselor@example.org"
        plan = plan_of(alex)
        assert plan.id and plan.triggers and plan.coping and plan.reasons and plan.warning_signs
        assert len(contacts_of(alex)) == 2
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 14


def test_the_program_starts_at_the_first_check_in_if_that_came_before_the_account(
    app, client, person
):
    with app.app_context():
        user, today = client_row(app, person.id), clinic_today(utcnow())
        save_checkin(user, today - timedelta(days=20), ANSWERS, utcnow())
        save_checkin(user, today - timedelta(days=3), {**ANSWERS, "used": True}, utcnow())
    post(client, "/recovery-plan", {"show_days_in_program": "y", "show_days_since_use": "y"})
    html = client.get("/recovery-plan").get_data(as_text=True)
    # The first check-in's day is day 1 (as Progress counts weeks), so 20 days ago is day 21.
    assert "21 days in the program" in html and "You reached 14 days." in html
    assert "3 days since you last reported use" in html and "Next: 7 days." in html


@pytest.mark.parametrize("value", ["٣", "3.0", "+3", "3 3"])
def test_only_plain_digits_count_as_a_number(app, client, person, value):
    assert post(client, "/checkin", form(craving=value)).status_code == 422
