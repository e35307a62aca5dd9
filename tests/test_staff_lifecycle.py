"""A care-team member leaves and comes back: their clients and flags go to a successor, their
sessions and devices stop at once, and the last administrator stays."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User, UserSession
from portal.audit.models import AuditEvent
from portal.care_team.lifecycle import LifecycleError, deactivate, hand_over, reactivate
from portal.checkins.rules import save_checkin
from portal.extensions import db
from portal.notifications.care_sources import due_review_reminders
from portal.notifications.models import PushSubscription
from tests.conftest import make_user, post, sign_in

pytestmark = pytest.mark.usefixtures("clinic_clock")
DANGER = {
    "mood": 1,
    "craving": 9,
    "used": False,
    "used_what": "",
    "sleep": "poorly",
    "triggers": [],
    "coping": [],
    "confidence": 2,
    "self_harm": False,
    "note": "",
}


@pytest.fixture
def team(app):
    admin = make_user(app, "staff", name="Ada Admin", admin=True)
    leaving = make_user(app, "staff", name="Lee Leaving")
    staying = make_user(app, "staff", name="Sam Staying")
    clients = [
        make_user(app, "client", name=f"Client {n}", counselor_id=leaving.id) for n in range(3)
    ]
    with app.app_context():
        for person in (leaving, staying):
            db.session.add(
                PushSubscription(
                    user_id=person.id,
                    endpoint=f"https://fcm.googleapis.com/fcm/send/{person.id}",
                    p256dh="p",
                    auth="a",
                )
            )
        db.session.commit()
    return admin, leaving, staying, clients


def get(model_id):
    return db.session.get(User, model_id)


def test_deactivating_moves_the_clients_and_their_flags_and_stops_everything(
    app, team, clinic_clock
):
    admin, leaving, staying, clients = team
    phone = app.test_client()
    assert sign_in(phone, leaving.email).status_code == 302
    now = clinic_clock.now()
    with app.test_request_context():
        moved = deactivate(get(leaving.id), get(staying.id), by=get(admin.id), now=now)
        assert moved == 3
        assert {get(c.id).counselor_id for c in clients} == {staying.id}
        assert not get(leaving.id).active
        sessions = select(UserSession).where(UserSession.user_id == leaving.id)
        assert db.session.scalar(sessions) is None
        assert db.session.scalars(select(PushSubscription.user_id)).all() == [staying.id]
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
        ).all()
        assert sorted(actions) == ["deactivate"] + ["handover"] * 4
        # A client in danger after the change: the successor hears of it, nobody else.
        save_checkin(get(clients[0].id), now.date(), DANGER, now + timedelta(minutes=1))
        recipients = {r.user_id for r in due_review_reminders(now + timedelta(minutes=2))}
        assert recipients == {staying.id}
    assert phone.get("/care/", follow_redirects=False).status_code == 302  # signed out


def test_a_turned_off_account_hears_why_only_with_the_right_password(app, client, team):
    admin, leaving, staying, _clients = team
    with app.app_context():
        deactivate(get(leaving.id), get(staying.id), by=get(admin.id), now=get(admin.id).created_at)
    wrong = post(client, "/login", {"email": leaving.email, "password": "not it at all"})
    assert wrong.status_code == 401 and "turned off" not in wrong.get_data(as_text=True)
    right = post(client, "/login", {"email": leaving.email, "password": "correct horse battery"})
    assert right.status_code == 401 and "This account is turned off" in right.get_data(as_text=True)


@pytest.mark.parametrize("who", ["nobody", "themselves", "a client", "a turned-off member"])
def test_the_clients_go_only_to_an_active_colleague(app, team, clinic_clock, who):
    admin, leaving, staying, clients = team
    now = clinic_clock.now()
    with app.app_context():
        gone = make_user(app, "staff", name="Gone Before")
        get(gone.id).active = False
        db.session.commit()
        successor = {
            "nobody": None,
            "themselves": get(leaving.id),
            "a client": get(clients[1].id),
            "a turned-off member": get(gone.id),
        }[who]
        with pytest.raises(LifecycleError):
            deactivate(get(leaving.id), successor, by=get(admin.id), now=now)
        assert get(leaving.id).active
        assert {get(c.id).counselor_id for c in clients} == {leaving.id}


def test_the_last_administrator_and_oneself_stay_on(app, team, clinic_clock):
    admin, _leaving, staying, _clients = team
    now = clinic_clock.now()
    with app.app_context():
        with pytest.raises(LifecycleError, match="your own account"):
            deactivate(get(admin.id), get(staying.id), by=get(admin.id), now=now)
        with pytest.raises(LifecycleError, match="last active administrator"):
            deactivate(get(admin.id), get(staying.id), by=get(staying.id), now=now)
        other_admin = make_user(app, "staff", name="Other Admin", admin=True)
        deactivate(get(admin.id), get(staying.id), by=get(other_admin.id), now=now)
        assert not get(admin.id).active


def test_a_returning_member_signs_in_again_and_a_caseload_can_move_back(
    app, client, team, clinic_clock
):
    admin, leaving, staying, clients = team
    now = clinic_clock.now()
    with app.app_context():
        deactivate(get(leaving.id), get(staying.id), by=get(admin.id), now=now)
        reactivate(get(leaving.id), by=get(admin.id), now=now)
        with pytest.raises(LifecycleError):
            reactivate(get(leaving.id), by=get(admin.id), now=now)
        assert {get(c.id).counselor_id for c in clients} == {staying.id}  # they stay moved
        assert hand_over(get(staying.id), get(leaving.id), by=get(admin.id), now=now) == 3
    assert sign_in(client, leaving.email).status_code == 302


def test_the_pages_an_administrator_uses(app, client, team):
    admin, leaving, staying, clients = team
    sign_in(client, admin.email)
    page = client.get("/care/staff").get_data(as_text=True)
    assert "Turn off Lee Leaving's account" in page
    assert "Turn off Ada Admin" not in page  # not one's own
    form = client.get(f"/care/staff/{leaving.id}/deactivate").get_data(as_text=True)
    assert "3 clients have Lee Leaving as their counselor" in form
    assert f'<option value="{staying.id}">Sam Staying</option>' in form
    assert f'<option value="{leaving.id}"' not in form
    refused = post(client, f"/care/staff/{leaving.id}/deactivate", {"successor_id": "0"})
    assert refused.status_code == 422
    assert "Choose who takes their clients" in refused.get_data(as_text=True)
    odd = post(client, f"/care/staff/{leaving.id}/deactivate", {"successor_id": "99999999999"})
    assert odd.status_code == 422
    done = post(
        client,
        f"/care/staff/{leaving.id}/deactivate",
        {"successor_id": str(staying.id)},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "Lee Leaving&#39;s account is turned off" in html and "Turned off" in html
    assert "3 of their clients now have Sam Staying" in html
    back = post(client, f"/care/staff/{leaving.id}/reactivate", follow_redirects=True)
    assert "Lee Leaving&#39;s account is on again" in back.get_data(as_text=True)
    moved = post(
        client,
        f"/care/staff/{staying.id}/handover",
        {"successor_id": str(leaving.id)},
        follow_redirects=True,
    )
    assert "3 clients of Sam Staying now have Lee Leaving" in moved.get_data(as_text=True)
    with app.app_context():
        assert {get(c.id).counselor_id for c in clients} == {leaving.id}


def test_a_counselor_who_is_not_an_administrator_is_refused(app, client, team):
    _admin, leaving, staying, _clients = team
    sign_in(client, staying.email)
    assert client.get(f"/care/staff/{leaving.id}/deactivate").status_code == 404
    refused = post(client, f"/care/staff/{leaving.id}/deactivate", {"successor_id": staying.id})
    assert refused.status_code == 404
    with app.app_context():
        assert get(leaving.id).active
