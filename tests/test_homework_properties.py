"""Hypothesis throws arbitrary data at homework's draft save and assignment forms: never a 500,
never a stored invalid row."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.extensions import db
from portal.homework.forms import MAX_ANSWER, safe_url
from portal.homework.models import HomeworkAnswer, HomeworkAssignment
from portal.homework.rules import assign
from portal.idempotency import IdempotencyKey
from portal.timeutil import utcnow
from tests.conftest import csrf_token, make_user, sign_in
from tests.test_properties import PROPERTY_SETTINGS, odd_text

revision = st.one_of(
    st.integers(0, 10**15).map(str),
    odd_text,
    st.sampled_from(["", "-1", "1e3", "99999999999999999"]),
)
key = st.one_of(st.none(), st.uuids().map(str), odd_text)


def _setup_client(app, client):
    if not hasattr(app, "_hw_copy"):
        staff = make_user(app, "staff")
        person = make_user(app, "client")
        with app.app_context():
            from portal.accounts.models import User

            a = assign(
                db.session.get(User, staff.id),
                "W",
                "",
                utcnow() + timedelta(days=1),
                client=db.session.get(User, person.id),
                questions=["Q?"],
                now=utcnow(),
            )
            app._hw_copy = (a.copies[0].id, a.questions[0].id)
        sign_in(client, person.email)
    return app._hw_copy


@PROPERTY_SETTINGS
@given(
    text=st.one_of(odd_text, st.integers(9990, 10010).map(lambda n: "a" * n)), rev=revision, k=key
)
def test_the_draft_save_never_breaks_and_stores_only_valid_rows(app, client, text, rev, k):
    copy_id, question_id = _setup_client(app, client)
    headers = {}
    if k is not None and k.isprintable() and k.isascii():
        headers["Idempotency-Key"] = k
    response = client.post(
        f"/homework/{copy_id}/questions/{question_id}/draft",
        data={"text": text, "revision": rev, "csrf_token": csrf_token(client)},
        headers=headers,
    )
    assert response.status_code in (200, 409, 422), response.status_code
    with app.app_context():
        for answer in db.session.scalars(select(HomeworkAnswer)):
            assert len(answer.text) <= MAX_ANSWER and "\x00" not in answer.text
            assert 0 <= answer.revision < 10**15
        for save in db.session.scalars(select(IdempotencyKey)):
            assert save.scope == "homework-draft"
            assert save.outcome in ("saved", "older", "closed")
            db.session.delete(save)
        for answer in db.session.scalars(select(HomeworkAnswer)):
            db.session.delete(answer)
        db.session.commit()


form_values = st.one_of(
    odd_text, st.dates().map(str), st.times().map(lambda t: t.strftime("%H:%M"))
)
assignment_data = st.fixed_dictionaries(
    {},
    optional={
        "title": odd_text,
        "instructions": odd_text,
        "resources": st.one_of(
            odd_text,
            st.lists(
                st.tuples(odd_text, st.one_of(odd_text, st.just("https://example.org/x")))
            ).map(lambda rows: "\n".join(f"{t} {u}" for t, u in rows)),
        ),
        "questions": odd_text,
        "due_kind": st.one_of(st.sampled_from(["at", "next_group"]), odd_text),
        "due_date": form_values,
        "due_time": form_values,
    },
)


@PROPERTY_SETTINGS
@given(data=assignment_data)
def test_the_assignment_form_never_breaks_and_stores_only_valid_rows(app, client, data):
    if not hasattr(app, "_hw_staff"):
        app._hw_staff = make_user(app, "staff")
        app._hw_person = make_user(app, "client")
        sign_in(client, app._hw_staff.email)
    response = client.post(
        f"/care/clients/{app._hw_person.id}/homework/new",
        data={**data, "csrf_token": csrf_token(client)},
    )
    assert response.status_code in (303, 422), response.status_code
    with app.app_context():
        for a in db.session.scalars(select(HomeworkAssignment)):
            assert a.title.strip() and len(a.title) <= 120 and "\x00" not in a.title
            assert "\x00" not in a.instructions and len(a.instructions) <= 5000
            assert all(safe_url(r.url) for r in a.resources)
            assert all(q.text.strip() and len(q.text) <= 500 for q in a.questions)
            assert len(a.copies) == 1
            db.session.delete(a)
        db.session.commit()
