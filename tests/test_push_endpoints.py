"""The subscription endpoints, the preferences form, the test button, and RFC 8291's example."""

import base64
import json

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from py_vapid import Vapid02
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import NotificationPreferences, PushSubscription
from portal.notifications.subscriptions import Invalid, check_endpoint
from tests.conftest import csrf_token, make_user, post, sign_in
from tests.push_service import FakePushService


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def push(app):
    service = FakePushService().start()
    app.config.update(PUSH_INSECURE_HOSTS=["127.0.0.1"], PUSH_TIMEOUT_SECONDS=1)
    yield service
    service.stop()
    assert service.errors == []


def send_json(client, method, body, token=None):
    token = token or csrf_token(client)
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.open(
        "/push/subscriptions",
        method=method,
        data=data,
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_rfc_8291_appendix_a():
    """The RFC's own example: http_ece reproduces its message byte for byte, and reads it back."""
    plaintext = b"When I grow up, I want to be a watermelon"
    as_private = ec.derive_private_key(
        int.from_bytes(unb64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"), "big"), ec.SECP256R1()
    )
    ua_private = ec.derive_private_key(
        int.from_bytes(unb64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big"), ec.SECP256R1()
    )
    ua_public = unb64(
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    )
    auth = unb64("BTBZMqHH6r4Tts7J_aSIgg")
    expected = (
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS"
        "6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Q"
        "ulcy4a-fN"
    )
    body = http_ece.encrypt(
        plaintext,
        salt=unb64("DGv6ra1nlYgDCS1FRnbzlw"),
        private_key=as_private,
        dh=ua_public,
        auth_secret=auth,
        version="aes128gcm",
    )
    assert b64(body) == expected
    decrypted = http_ece.decrypt(
        unb64(expected), private_key=ua_private, auth_secret=auth, version="aes128gcm"
    )
    assert decrypted == plaintext


def test_a_device_is_turned_on_with_the_default_preferences(app, client, login_as, push):
    person = login_as("client")
    device = push.new_device()
    response = send_json(client, "POST", device.info())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json() == {"status": "on"}
    assert send_json(client, "POST", device.info()).status_code == 200  # the same device again
    with app.app_context():
        (row,) = db.session.scalars(select(PushSubscription)).all()
        assert (row.user_id, row.endpoint, row.p256dh) == (
            person.id,
            device.endpoint,
            device.p256dh,
        )
        prefs = db.session.get(NotificationPreferences, person.id)
        assert (prefs.session_lead_minutes, prefs.quiet_start.hour) == (60, 22)


def test_a_device_is_turned_off(app, client, login_as, push):
    login_as("client")
    device = push.new_device()
    send_json(client, "POST", device.info())
    response = send_json(client, "DELETE", {"endpoint": device.endpoint})
    assert response.status_code == 200
    assert count(app, PushSubscription) == 0


def test_nobody_turns_off_someone_elses_device(app, client, push):
    owner = make_user(app, "client")
    other = make_user(app, "client")
    device = push.new_device()
    sign_in(client, owner.email)
    send_json(client, "POST", device.info())
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, other.email)
    send_json(client, "DELETE", {"endpoint": device.endpoint})
    assert count(app, PushSubscription) == 1


def test_the_old_endpoint_is_replaced_on_pushsubscriptionchange(app, client, login_as, push):
    login_as("client")
    old, new = push.new_device(), push.new_device()
    send_json(client, "POST", old.info())
    send_json(client, "POST", {**new.info(), "oldEndpoint": old.endpoint})
    with app.app_context():
        assert db.session.scalars(select(PushSubscription.endpoint)).all() == [new.endpoint]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ("", 400),
        ([], 422),
        ({}, 422),
        ({"endpoint": "https://fcm.googleapis.com/fcm/send/x"}, 422),
        ({"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "AA"}}, 422),
        ({"endpoint": "https://evil.example.com/x", "keys": {}}, 422),
        ({"endpoint": "http://10.0.0.1/admin", "keys": {}}, 422),
        ({"endpoint": "https://user:pw@fcm.googleapis.com/x", "keys": {}}, 422),
    ],
)
def test_bad_subscriptions_are_refused_with_a_json_error(app, client, login_as, body, status):
    login_as("client")
    response = send_json(client, "POST", body)
    assert response.status_code == status
    assert "error" in response.get_json()
    assert count(app, PushSubscription) == 0


def test_a_key_that_is_not_a_curve_point_is_refused(app, client, login_as):
    login_as("client")
    body = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
        "keys": {"p256dh": b64(b"\x04" + b"\x01" * 64), "auth": b64(b"a" * 16)},
    }
    response = send_json(client, "POST", body)
    assert response.status_code == 422 and response.get_json()["field"] == "keys.p256dh"


def test_without_the_csrf_token_nothing_is_stored(app, client, login_as, push):
    login_as("client")
    response = client.post("/push/subscriptions", json=push.new_device().info())
    assert response.status_code == 400
    assert count(app, PushSubscription) == 0


def test_a_real_push_service_address_is_accepted(app, client, login_as):
    login_as("family")
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    body = {
        "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "expirationTime": 1893456000000,
        "keys": {"p256dh": b64(raw), "auth": b64(b"0123456789abcdef")},
    }
    assert send_json(client, "POST", body).status_code == 201


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
subscription_like = st.fixed_dictionaries(
    {},
    optional={
        "endpoint": st.one_of(
            st.text(max_size=60),
            st.sampled_from(
                [
                    "https://fcm.googleapis.com/fcm/send/x",
                    "http://127.0.0.1:1/push/x",
                    "x" * 2000,
                    "https://fcm.googleapis.com:99999/x",
                    "https://[::1/x",
                ]
            ),
        ),
        "keys": st.one_of(
            json_values,
            st.fixed_dictionaries(
                {}, optional={"p256dh": st.text(max_size=100), "auth": st.text(max_size=30)}
            ),
        ),
        "expirationTime": json_values | st.sampled_from([1e300, -1e300, 2**70]),
        "oldEndpoint": json_values,
    },
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(json_values, subscription_like))
def test_any_json_gets_a_clear_answer_never_a_500(app, client, body):
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(PushSubscription.__table__)):
            pass
    if not getattr(client, "_signed_in", False):
        person = make_user(app, "client")
        sign_in(client, person.email)
        client._signed_in = True
        client._token = csrf_token(client)
    for method in ("POST", "DELETE"):
        response = send_json(client, method, body, token=client._token)
        assert response.status_code in (200, 201, 400, 422), response.get_data(as_text=True)
        assert response.is_json
    assert count(app, PushSubscription) == 0


# --- the preferences form and the test button ----------------------------------------------


def test_preferences_are_saved(app, client, login_as):
    person = login_as("client")
    response = post(
        client,
        "/settings/notifications",
        {
            "session_lead_minutes": "30",
            "checkin_time": "21:30",
            "quiet_start": "",
            "quiet_end": "07:00",
            "homework_lead_hours": "",
            "detailed_text": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        prefs = db.session.get(NotificationPreferences, person.id)
        assert prefs.session_lead_minutes == 30 and prefs.session_evening_before is False
        assert prefs.checkin_time.strftime("%H:%M") == "21:30" and prefs.quiet_start is None
        assert prefs.homework_lead_hours is None and prefs.detailed_text is True


def test_a_bad_choice_stores_nothing(app, client, login_as):
    person = login_as("client")
    response = post(client, "/settings/notifications", {"session_lead_minutes": "7"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(NotificationPreferences, person.id) is None


def test_family_members_choose_only_session_reminders(app, client, login_as):
    login_as("family")
    html = client.get("/settings").get_data(as_text=True)
    assert 'name="session_lead_minutes"' in html
    assert 'name="homework_lead_hours"' not in html and 'name="checkin_time"' not in html


def test_the_settings_page_offers_reminders_with_the_key_and_script(app, client, login_as):
    login_as("client")
    html = client.get("/settings").get_data(as_text=True)
    assert 'data-push-key="B' in html and "js/push.js" in html
    assert 'data-push-when="ios-home-screen"' in html and 'data-push-when="blocked"' in html


form_text = st.one_of(st.text(max_size=20), st.sampled_from(["", "60", "21:30", "25:00", "\x00"]))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "session_lead_minutes",
                "session_evening_before",
                "homework_lead_hours",
                "checkin_time",
                "quiet_start",
                "quiet_end",
                "detailed_text",
                "homework_overdue",
            ]
        ),
        form_text,
    )
)
def test_the_preferences_form_never_fails(app, client, data):
    if not getattr(client, "_signed_in", False):
        sign_in(client, make_user(app, "client").email)
        client._signed_in = True
    response = post(client, "/settings/notifications", data)
    assert response.status_code in (302, 422)


def test_the_test_button_goes_through_the_outbox(app, client, login_as, push):
    login_as("client")
    response = post(client, "/push/test", follow_redirects=True)
    assert "Turn on reminders on this phone first." in response.get_data(as_text=True)
    send_json(client, "POST", push.new_device().info())
    response = post(client, "/push/test", follow_redirects=True)
    assert "Sent." in response.get_data(as_text=True)
    (message,) = push.accepted
    assert message.payload["title"] == "Test" and message.payload["url"] == "/settings"


def test_vapid_keys_prints_a_pair_that_belongs_together(runner):
    result = runner.invoke(args=["vapid-keys"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    private = lines[0].split("=", 1)[1]
    public = lines[1].rsplit(" ", 1)[1]
    from portal.notifications.vapid import application_server_key

    assert application_server_key(Vapid02.from_string(private)) == public


@pytest.mark.parametrize(
    ("endpoint", "accepted"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://fcm.googleapis.com:443/fcm/send/abc", True),
        ("https://web.push.apple.com/QGuQyavXutnMH", True),
        # urlsplit reads the host as *.fcm.googleapis.com; urllib3 (the sender) as 127.0.0.1.
        ("https://127.0.0.1\\.fcm.googleapis.com/x", False),
        ("https://127.0.0.1%5C.fcm.googleapis.com/x", False),
        ("https://fcm.googleapis.com:8443/x", False),
        ("https://fcm.googleapis.com:80/x", False),
        ("http://fcm.googleapis.com/x", False),
        ("https://fcm.googleapis.com%2e/x", False),
        ("https://a@fcm.googleapis.com/x", False),
        ("https://fcm.googleapis.com@127.0.0.1/x", False),
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://evilfcm.googleapis.com.evil.example/x", False),
        ("https://[::1]/x", False),
    ],
)
def test_only_a_push_service_on_port_443_is_accepted(app, endpoint, accepted):
    """The address is read as the sender reads it (urllib3), so nothing slips between parsers."""
    with app.app_context():
        try:
            check_endpoint(endpoint)
            result = True
        except Invalid:
            result = False
    assert result is accepted, endpoint
