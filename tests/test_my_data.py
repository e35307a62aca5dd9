"""A client's own copy of everything the portal holds about them: every kind of record, only
theirs, no secrets, audited, and a number of queries that does not grow with their history."""

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from portal.accounts.models import Passkey, User
from portal.audit.models import AuditEvent
from portal.checkins.rules import save_checkin
from portal.consent.models import ConsentGrant
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.homework.models import HomeworkAnswer, HomeworkCopy, HomeworkQuestion
from portal.meetings.models import PersonalMeeting
from portal.my_data.rules import SECTIONS, export
from portal.notifications.models import PushSubscription
from portal.schedule.models import AbsenceNotice, CalendarFeed, SessionSeries
from tests.conftest import sign_in

SEEDED = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday, 10 AM in the clinic
NOW = SEEDED + timedelta(hours=1)
# One distinctive value planted in each kind of record the demo does not already hold.
PLANTED = {
    "notices": "PLANTED-notice-reason",
    "own_meetings": "PLANTED own meeting",
    "devices": "PLANTED phone",
    "sign_in": "PLANTED passkey",
    "homework": "PLANTED answer",
}
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


def by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def clinic(app):
    """The demo clinic, plus one record of each kind it lacks, for client@example.org."""
    with app.app_context():
        seed_demo(SEEDED)
        client = by_email("client@example.org")
        series = db.session.scalar(select(SessionSeries).order_by(SessionSeries.id))
        consent = db.session.scalar(select(ConsentGrant).where(ConsentGrant.client_id == client.id))
        db.session.add_all(
            [
                AbsenceNotice(
                    person_id=client.id,
                    series_id=series.id,
                    occurrence_start=SEEDED + timedelta(days=2),
                    kind="cant_make_it",
                    reason=PLANTED["notices"],
                ),
                PersonalMeeting(
                    client_id=client.id,
                    name=PLANTED["own_meetings"],
                    day=2,
                    start_time=time(19),
                    end_time=time(20),
                    timezone="America/New_York",
                ),
                PushSubscription(
                    user_id=client.id,
                    endpoint="https://fcm.googleapis.com/fcm/send/SECRET-ENDPOINT",
                    p256dh="SECRET-P256DH",
                    auth="SECRET-AUTH",
                    device_label=PLANTED["devices"],
                ),
                Passkey(
                    user_id=client.id,
                    credential_id="c2VjcmV0LWNyZWRlbnRpYWw",  # base64url, as browsers send it
                    public_key=b"SECRET-KEY",
                    name=PLANTED["sign_in"],
                ),
                CalendarFeed(user_id=client.id, token_hash="SECRET-TOKEN-HASH", nonce="n"),
                AuditEvent(
                    actor_id=consent.family_id,
                    client_id=client.id,
                    action="disclose",
                    what="family-session",
                    consent_id=consent.id,
                    at=SEEDED,
                ),
            ]
        )
        copy = db.session.scalar(
            select(HomeworkCopy)
            .where(HomeworkCopy.client_id == client.id)
            .order_by(HomeworkCopy.id)
        )
        question = db.session.scalar(
            select(HomeworkQuestion).where(HomeworkQuestion.assignment_id == copy.assignment_id)
        )
        db.session.add(
            HomeworkAnswer(copy_id=copy.id, question_id=question.id, text=PLANTED["homework"])
        )
        db.session.commit()
        return client.id


def signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email, password=DEMO_PASSWORD).status_code == 302
    return client


def test_the_copy_holds_a_record_of_every_kind_and_no_secrets(app, clinic):
    with app.app_context():
        data = export(db.session.get(User, clinic), now=NOW)
    sections = data["sections"]
    assert list(sections) == [key for key, _rows in SECTIONS]
    empty = [key for key, rows in sections.items() if not rows]
    assert empty == []
    text = json.dumps(data)
    for key, marker in PLANTED.items():
        assert marker in json.dumps(sections[key]), key
    assert "SECRET" not in text and "argon2" not in text
    (profile,) = sections["profile"]
    assert profile["email"] == "client@example.org" and profile["counselor"]
    assert sections["consents"][0]["text"].startswith("Consent to share information")
    assert sections["disclosures"][0]["consent_id"] == sections["consents"][0]["id"]


def test_only_the_clients_own_records(app, clinic):
    with app.app_context():
        other = by_email("client2@example.org")
        text = json.dumps(export(db.session.get(User, clinic), now=NOW))
        other_text = json.dumps(export(other, now=NOW))
    for marker in PLANTED.values():
        assert marker not in other_text
    assert "client2@example.org" not in text and "client@example.org" not in other_text


def test_the_queries_do_not_grow_with_history(app, clinic):
    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            export(db.session.get(User, clinic), now=NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    with app.app_context():
        before = statements()
        client = db.session.get(User, clinic)
        for days in range(30, 90):
            save_checkin(client, (SEEDED - timedelta(days=days)).date(), CALM, SEEDED)
        assert statements() == before <= 30


def test_the_page_and_the_download_are_the_clients_and_each_is_audited(app, clinic):
    client = signed_in(app, "client@example.org")
    page = client.get("/settings").get_data(as_text=True)
    assert "Your data" in page and "/my-data" in page
    response = client.get("/my-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for marker in PLANTED.values():
        assert marker in html
    assert "What was shared with family under a consent" in html and "SECRET" not in html
    download = client.get("/my-data.json")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    assert json.loads(download.get_data())["format"] == "iop-portal-my-data/1"
    with app.app_context():
        exports = db.session.scalars(
            select(AuditEvent.what).where(
                AuditEvent.client_id == clinic, AuditEvent.action == "export"
            )
        ).all()
    assert sorted(exports) == ["my-data.html", "my-data.json"]


@pytest.mark.parametrize("email", ["family@example.org", "client2@example.org"])
def test_nobody_else_reaches_a_clients_copy(app, clinic, email):
    client = signed_in(app, email)
    if email.startswith("family"):
        assert client.get("/my-data").status_code == 404
        assert client.get("/my-data.json").status_code == 404
    else:  # another client only ever gets their own
        assert "PLANTED" not in client.get("/my-data").get_data(as_text=True)


def test_the_care_team_does_not_reach_it(app, clinic, client, login_as):
    login_as("staff")
    assert client.get("/my-data").status_code == 404
    assert client.get("/my-data.json").status_code == 404
