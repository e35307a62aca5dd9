"""Hypothesis throws arbitrary form data at every form: never a 500, never a stored bad row."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.recovery_plan.models import SupportContact
from tests.conftest import csrf_token, make_user, sign_in

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

odd_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable, max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "🙂" * 30,
            "x" * 5000,
            "％００",
            "\u202e",
            "+1 (555) 010-1234",
        ]
    ),
)
form_data = st.dictionaries(
    st.sampled_from(
        [
            "name",
            "email",
            "phone",
            "relationship",
            "password",
            "confirm",
            "current",
            "counselor_id",
            "is_admin",
            "keep_signed_in",
            "extra",
        ]
    ),
    odd_text,
    max_size=8,
)


def _count(app, model, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return db.session.scalar(stmt)


@PROPERTY_SETTINGS
@given(data=form_data)
def test_support_contact_form_never_breaks_and_stores_only_valid_rows(app, client, data):
    if not hasattr(app, "_prop_user"):
        app._prop_user = make_user(app, "client")
        sign_in(client, app._prop_user.email)
    before = _count(app, SupportContact)
    response = client.post("/support-contacts", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 422), response.status_code
    after = _count(app, SupportContact)
    assert after == before + (1 if response.status_code == 302 else 0)
    with app.app_context():
        for contact in db.session.scalars(select(SupportContact)):
            assert contact.name and len(contact.name) <= 80 and "\x00" not in contact.name
            assert 3 <= len(contact.tel.lstrip("+")) <= 15
            db.session.delete(contact)
        db.session.commit()


@PROPERTY_SETTINGS
@given(data=form_data)
def test_new_client_form_never_breaks_and_stores_only_valid_accounts(app, client, data):
    if not hasattr(app, "_prop_staff"):
        app._prop_staff = make_user(app, "staff")
        sign_in(client, app._prop_staff.email)
    before = _count(app, User, role="client")
    response = client.post("/care/clients/new", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (201, 422), response.status_code
    assert _count(app, User, role="client") == before + (response.status_code == 201)


@PROPERTY_SETTINGS
@given(data=form_data)
def test_sign_in_never_breaks(app, client, data):
    response = client.post("/login", data={**data, "csrf_token": csrf_token(client, "/login")})
    assert response.status_code in (401, 422, 429), response.status_code


@PROPERTY_SETTINGS
@given(data=form_data, token=st.text(max_size=60))
def test_setup_and_password_change_never_break(app, client, data, token):
    path = "/setup/" + (token.replace("/", "") or "x")
    response = client.post(path, data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (404, 410, 308), response.status_code
    if not hasattr(app, "_prop_user"):
        app._prop_user = make_user(app, "client")
        sign_in(client, app._prop_user.email)
    response = client.post("/settings/password", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 422), response.status_code


@PROPERTY_SETTINGS
@given(query=odd_text)
def test_client_search_never_breaks(app, client, query):
    if not hasattr(app, "_prop_staff"):
        app._prop_staff = make_user(app, "staff")
        sign_in(client, app._prop_staff.email)
    response = client.get("/care/", query_string={"q": query}, headers={"HX-Request": "true"})
    assert response.status_code == 200
