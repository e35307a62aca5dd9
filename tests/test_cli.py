"""The command-line tools: the demo clinic, the first administrator, session clean-up."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User, UserSession
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.recovery_plan.models import SupportContact
from portal.timeutil import utcnow
from tests import two_factor
from tests.conftest import make_user, post, sign_in


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(SupportContact)),
        )


def test_seed_demo_makes_the_demo_clinic_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "client@example.org" in first.output
    after_first = counts(app)
    assert after_first == (4, 2)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert counts(app) == after_first


def test_every_demo_account_signs_in_to_its_home(app, runner):
    runner.invoke(args=["seed-demo"])
    homes = {
        "counselor@example.org": "/care/",
        "client@example.org": "/today",
        "client2@example.org": "/today",
        "family@example.org": "/family/",
    }
    for email, home in homes.items():
        response = sign_in(app.test_client(), email, DEMO_PASSWORD)
        assert response.location == home, email


def test_seed_demo_refuses_a_database_with_real_people(app, runner):
    make_user(app, "client", email="real.person@clinic.example")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "1 account(s) that are not demo accounts" in result.output
    assert "INSTANCE_PATH=/tmp/portal-demo bin/demo" in result.output  # what to do next
    assert counts(app) == (1, 0)


def test_create_admin_prints_a_setup_link_that_works(app, runner):
    result = runner.invoke(args=["create-admin", "boss@clinic.example", "--name", "Pat Boss"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https://portal.example.org(/setup/\S+)", result.output).group(1)
    client = app.test_client()
    response = post(
        client, link, {"password": "our clinic's own words", "confirm": "our clinic's own words"}
    )
    assert response.location == "/care/"
    # The care team sets up the second step before anything else, then the admin pages open.
    assert client.get("/care/staff").location == "/settings/two-step"
    two_factor.enrol(client, "boss@clinic.example", post)
    assert client.get("/care/staff").status_code == 200  # an administrator
    again = runner.invoke(args=["create-admin", "boss@clinic.example"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_purge_sessions_deletes_only_ended_ones(app, client, runner):
    user = make_user(app, "client")
    sign_in(client, user.email)
    sign_in(app.test_client(), user.email)
    with app.app_context():
        row = db.session.scalars(select(UserSession)).first()
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["purge-sessions"])
    assert "Deleted 1 expired sessions." in result.output
