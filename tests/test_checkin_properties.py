"""Hypothesis throws arbitrary form data at the check-in: never a 500, never a stored bad row."""

import uuid

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.checkins.forms import COPING, MAX_OWN, OWN, TRIGGERS
from portal.checkins.models import SLEEP, CheckIn
from portal.extensions import db
from portal.idempotency import IdempotencyKey
from tests.conftest import csrf_token, make_user, sign_in
from tests.test_properties import PROPERTY_SETTINGS, odd_text

KNOWN = [k for k, _ in TRIGGERS + COPING]
number_text = st.one_of(
    st.integers(-3, 14).map(str), st.sampled_from(["", " 5", "5.0", "1e1", "٣", "10 ", "007"])
)
values = st.one_of(number_text, odd_text, st.sampled_from(["yes", "no", *SLEEP]))
ticks = st.lists(st.one_of(st.sampled_from(KNOWN), odd_text.map(lambda t: OWN + t)), max_size=5)
valid_form = st.fixed_dictionaries(
    {
        "mood": st.integers(1, 5).map(str),
        "craving": st.integers(0, 10).map(str),
        "confidence": st.integers(0, 10).map(str),
        "used": st.sampled_from(["yes", "no"]),
        "sleep": st.sampled_from(SLEEP),
        "self_harm": st.sampled_from(["yes", "no"]),
        "triggers": st.lists(st.sampled_from(KNOWN), max_size=3),
    }
)
FIELDS = [
    "mood",
    "craving",
    "confidence",
    "used",
    "used_what",
    "sleep",
    "self_harm",
    "note",
    "day",
    "idempotency_key",
    "triggers",
    "coping",
]
# A valid check-in with up to four answers replaced by anything at all (None drops the field).
check_in_data = st.builds(
    lambda base, changes: {k: v for k, v in {**base, **changes}.items() if v is not None},
    valid_form,
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(st.none(), values, ticks, st.dates().map(str), st.just(uuid.uuid4().hex)),
        max_size=4,
    ),
)


def assert_valid(checkin: CheckIn) -> None:
    assert 1 <= checkin.mood <= 5
    assert 0 <= checkin.craving <= 10 and 0 <= checkin.confidence <= 10
    assert checkin.sleep in SLEEP
    assert len(checkin.used_what) <= 200 and len(checkin.note) <= 1000
    assert checkin.used or checkin.used_what == ""
    for value in checkin.triggers + checkin.coping:
        own = value.removeprefix(OWN)
        assert value in KNOWN or (value.startswith(OWN) and 0 < len(own.strip()) <= MAX_OWN)
        assert "\x00" not in value
    assert "\x00" not in checkin.note and "\x00" not in checkin.used_what
    assert checkin.flagged == bool(checkin.used or checkin.self_harm or checkin.craving >= 8)


@PROPERTY_SETTINGS
@given(data=check_in_data, header_key=st.one_of(st.none(), odd_text))
def test_the_check_in_never_breaks_and_stores_only_valid_rows(app, client, data, header_key):
    if not hasattr(app, "_prop_client"):
        app._prop_client = make_user(app, "client")
        sign_in(client, app._prop_client.email)
    headers = {}
    if header_key is not None and header_key.isprintable() and header_key.isascii():
        headers["Idempotency-Key"] = header_key
    response = client.post(
        "/checkin", data={**data, "csrf_token": csrf_token(client)}, headers=headers
    )
    assert response.status_code in (303, 409, 422), response.status_code
    event(f"status {response.status_code}")  # --hypothesis-show-statistics shows the mix
    with app.app_context():
        for checkin in db.session.scalars(select(CheckIn)):
            assert_valid(checkin)
        for key in db.session.scalars(select(IdempotencyKey)):
            assert key.scope == "checkin" and key.outcome == "saved"
            assert db.session.get(CheckIn, key.result_id) is not None  # nothing left half-done
            db.session.delete(key)
        for checkin in db.session.scalars(select(CheckIn)):
            db.session.delete(checkin)
        db.session.commit()
