"""Who gets in where: every route of the app, walked as every kind of person.

The matrix must name every route and method the app has; a new route without a row fails
`test_the_matrix_covers_every_route`, so access is decided on purpose, never by accident.
"""

import re

import pytest

from tests.conftest import csrf_token
from tests.routes import ROLES, all_rules, sign_in_as, url_for_rule

A, L, N = "allowed", "sent to sign in", "404"

FAMILIES = ("family", "family_revoked", "family_expired", "family_other")


def only(*allowed: str) -> dict:
    """Allowed for these roles; anonymous people are sent to sign in; everyone else gets 404."""
    return {r: L if r == "anonymous" else A if r in allowed else N for r in ROLES}


EVERYONE = dict.fromkeys(ROLES, A)
SIGNED_IN = {**dict.fromkeys(ROLES, A), "anonymous": L}
CLIENTS = only("client", "other_client")
OWNER = only("client")
FAMILY = only(*FAMILIES)
STAFF = only("staff", "admin")
ADMIN = only("admin")
FEED_OWNERS = only("client", "other_client", *FAMILIES)

MATRIX = {
    ("accounts.index", "GET"): {**SIGNED_IN, "anonymous": L},
    ("accounts.login", "GET"): EVERYONE,
    ("accounts.login", "POST"): EVERYONE,
    # Signing out always ends on the sign-in page, whoever asks.
    ("accounts.logout", "POST"): dict.fromkeys(ROLES, L),
    ("accounts.setup", "GET"): EVERYONE,
    ("accounts.setup", "POST"): EVERYONE,
    ("accounts.settings", "GET"): SIGNED_IN,
    ("accounts.change_language", "POST"): SIGNED_IN,
    # Anyone may choose a language; with no page to go back to, it ends on the sign-in page.
    ("accounts.choose_language", "GET"): dict.fromkeys(ROLES, L),
    ("accounts.change_password", "POST"): SIGNED_IN,
    # The second step of signing in: a signed-in person is sent home, anyone else to sign in.
    ("accounts.verify", "GET"): SIGNED_IN,
    ("accounts.verify", "POST"): SIGNED_IN,
    ("accounts.two_step_setup", "GET"): SIGNED_IN,
    ("accounts.two_step_setup", "POST"): SIGNED_IN,
    ("accounts.new_recovery_codes", "POST"): SIGNED_IN,
    ("accounts.two_step_off", "POST"): SIGNED_IN,
    ("accounts.verify_passkey", "POST"): SIGNED_IN,
    ("accounts.add_passkey", "POST"): SIGNED_IN,
    # The URL names a passkey nobody here holds (test_passkeys removes a held one).
    ("accounts.remove_passkey", "POST"): only(),
    ("care.dashboard", "GET"): STAFF,
    ("care.flag_count", "GET"): STAFF,
    ("care.new_client", "GET"): STAFF,
    ("care.new_client", "POST"): STAFF,
    ("care.client", "GET"): STAFF,
    ("care.new_setup_link", "POST"): STAFF,
    ("care.discharge_client", "GET"): STAFF,
    ("care.discharge_client", "POST"): STAFF,
    ("care.readmit_client", "POST"): STAFF,
    ("care.staff", "GET"): ADMIN,
    ("care.new_staff", "GET"): ADMIN,
    ("care.new_staff", "POST"): ADMIN,
    ("care.new_staff_setup_link", "POST"): ADMIN,
    ("care.reset_staff_two_step", "POST"): ADMIN,
    ("care.deactivate_staff", "GET"): ADMIN,
    ("care.deactivate_staff", "POST"): ADMIN,
    ("care.hand_over_staff", "GET"): ADMIN,
    ("care.hand_over_staff", "POST"): ADMIN,
    ("care.reactivate_staff", "POST"): ADMIN,
    ("checkins.today", "GET"): CLIENTS,
    ("checkins.today", "POST"): CLIENTS,
    ("checkins.show", "GET"): OWNER,
    ("checkins.history", "GET"): CLIENTS,
    ("checkins.care_list", "GET"): STAFF,
    ("checkins.care_client", "GET"): STAFF,
    ("checkins.review", "POST"): STAFF,
    # The clinical director's report on flags: administrators only.
    ("checkins.flag_report", "GET"): ADMIN,
    ("core.healthz", "GET"): EVERYONE,
    ("core.service_worker", "GET"): EVERYONE,
    ("core.manifest", "GET"): EVERYONE,
    ("core.favicon", "GET"): EVERYONE,
    ("core.more", "GET"): CLIENTS,
    ("family.home", "GET"): FAMILY,
    ("help.crisis", "GET"): EVERYONE,
    ("help.offline", "GET"): EVERYONE,
    ("recovery_plan.contacts", "GET"): CLIENTS,
    ("recovery_plan.contacts", "POST"): CLIENTS,
    ("recovery_plan.delete_contact", "POST"): OWNER,
    ("recovery_plan.plan", "GET"): CLIENTS,
    ("recovery_plan.plan", "POST"): CLIENTS,
    ("today.index", "GET"): CLIENTS,
    ("schedule.calendar_page", "GET"): CLIENTS,
    ("schedule.occurrence", "GET"): OWNER,
    ("schedule.notice", "POST"): OWNER,
    ("schedule.withdraw", "POST"): OWNER,
    ("schedule.progress", "GET"): CLIENTS,
    # A wrong feed token is 404 for everyone; the feed's own tests use real tokens.
    ("schedule.feed", "GET"): dict.fromkeys(ROLES, N),
    ("schedule.new_feed", "POST"): FEED_OWNERS,
    ("schedule.feed_titles", "POST"): FEED_OWNERS,
    ("schedule_care.sessions", "GET"): STAFF,
    ("schedule_care.groups", "GET"): STAFF,
    ("schedule_care.groups", "POST"): STAFF,
    ("schedule_care.group", "GET"): STAFF,
    ("schedule_care.new_group_series", "GET"): STAFF,
    ("schedule_care.new_group_series", "POST"): STAFF,
    ("schedule_care.new_client_series", "GET"): STAFF,
    ("schedule_care.new_client_series", "POST"): STAFF,
    ("schedule_care.edit_series", "GET"): STAFF,
    ("schedule_care.edit_series", "POST"): STAFF,
    ("schedule_care.enrollment", "GET"): STAFF,
    ("schedule_care.enrollment", "POST"): STAFF,
    ("schedule_care.client_progress", "GET"): STAFF,
    ("schedule_care.occurrence", "GET"): STAFF,
    ("schedule_care.cancel", "POST"): STAFF,
    ("schedule_care.restore", "POST"): STAFF,
    ("schedule_care.move", "POST"): STAFF,
    ("schedule_care.attendance", "GET"): STAFF,
    ("schedule_care.attendance", "POST"): STAFF,
    ("schedule_care.notices", "GET"): STAFF,
    ("schedule_care.notice_seen", "POST"): STAFF,
    ("family.join_with_code", "GET"): EVERYONE,
    ("family.join_with_code", "POST"): EVERYONE,
    ("family.join", "GET"): EVERYONE,
    ("family.join", "POST"): EVERYONE,
    ("family.consents", "GET"): CLIENTS,
    ("family.new_consent", "GET"): CLIENTS,
    ("family.new_consent", "POST"): CLIENTS,
    ("family.consent", "GET"): OWNER,
    ("family.new_invitation", "POST"): OWNER,
    ("family.revoke_consent", "POST"): OWNER,
    ("family.disclosures", "GET"): CLIENTS,
    # A family member's copy of a consent they hold; the URLs name one nobody has accepted yet
    # (test_family opens a held one).
    ("family.consent_copy", "GET"): only(),
    # Meetings: the directory is public information, open to every client; a client's own
    # meetings and log are theirs alone; the care team reads the log through the client's page.
    ("meetings.find", "GET"): CLIENTS,
    ("meetings.meeting", "GET"): CLIENTS,
    ("meetings.save", "POST"): CLIENTS,
    ("meetings.unsave", "POST"): CLIENTS,
    ("meetings.mine", "GET"): CLIENTS,
    ("meetings.add_personal", "POST"): CLIENTS,
    ("meetings.delete_personal", "POST"): OWNER,
    ("meetings.attendance", "GET"): CLIENTS,
    ("meetings.attendance", "POST"): CLIENTS,
    ("meetings.delete_attendance", "POST"): OWNER,
    ("meetings.client_meetings", "GET"): STAFF,
    ("meetings.client_meetings", "POST"): STAFF,
    # Everyone signed in may have devices; the counselor gets "a check-in needs review".
    # (With a form body instead of JSON these answer 400, which counts as allowed.)
    ("notifications.subscribe", "POST"): SIGNED_IN,
    ("notifications.unsubscribe", "DELETE"): SIGNED_IN,
    ("notifications.test_notification", "POST"): SIGNED_IN,
    ("notifications.preferences", "POST"): SIGNED_IN,
    # Homework: the client's own copies, and the care team; never family.
    ("homework.index", "GET"): CLIENTS,
    ("homework.copy", "GET"): OWNER,
    ("homework.draft", "POST"): OWNER,
    ("homework.hand_in", "POST"): OWNER,
    ("homework.reopen", "POST"): OWNER,
    ("homework.care_client", "GET"): STAFF,
    ("homework.assign_client", "GET"): STAFF,
    ("homework.assign_client", "POST"): STAFF,
    ("homework.assign_group", "GET"): STAFF,
    ("homework.assign_group", "POST"): STAFF,
    ("homework.assignment", "GET"): STAFF,
    ("homework.care_copy", "GET"): STAFF,
    ("homework.feedback", "POST"): STAFF,
    # A client's own copy of their data: each client gets only theirs, nobody else any.
    ("my_data.page", "GET"): CLIENTS,
    ("my_data.download", "GET"): CLIENTS,
}


def outcome(response) -> str:
    """Sort a response into allowed, sent to sign in, or refused as not found."""
    if response.status_code in (301, 302, 303) and response.location.startswith("/login"):
        return L
    if response.status_code == 404:
        return N
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return A


def test_the_matrix_covers_every_route(app):
    routes = {(r.endpoint, m) for r in all_rules(app) for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX)


def title_markup(response) -> str | None:
    """Return a page's <title> if it holds markup (a fragment included in the wrong block)."""
    if response.mimetype != "text/html":
        return None
    found = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S)
    return found.group(1) if found and re.search(r"<|>", found.group(1)) else None


@pytest.mark.parametrize("role", ROLES)
def test_each_person_gets_exactly_what_the_matrix_says(app, client, role):
    """Walk every route as this person; also check that no page's title holds markup."""
    people = sign_in_as(app, client, role)
    seen, bad_titles = {}, {}
    for rule in all_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = url_for_rule(app, rule, people)
            if method == "GET":
                response = client.get(url)
                if title_markup(response):
                    bad_titles[url] = title_markup(response)
            else:
                response = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
            seen[(rule.endpoint, method)] = outcome(response)
            if rule.endpoint == "accounts.logout":
                people = sign_in_as(app, client, role)  # walk the rest still signed in
    expected = {key: MATRIX[key][role] for key in seen}
    assert seen == expected
    assert bad_titles == {}


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("staff", "/care/clients/999999"),
        ("staff", "/care/clients/{staff}"),  # a care-team member is not a client
        ("staff", "/care/clients/{family}"),
        ("admin", "/care/clients/{admin}"),
    ],
)
def test_ids_of_the_wrong_kind_or_missing_are_404(app, client, role, path):
    people = sign_in_as(app, client, role)
    url = path.format(staff=people.staff.id, family=people.family.id, admin=people.admin.id)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/care/staff/{client}/setup-link"),
        ("admin", "/care/staff/999999/setup-link"),
        ("admin", "/care/staff/{client}/two-step/reset"),
        ("admin", "/care/staff/999999/two-step/reset"),
        ("staff", "/care/clients/{family}/setup-link"),
        ("client", "/support-contacts/{other_contact}/delete"),
        ("client", "/support-contacts/999999/delete"),
        ("staff", "/care/checkins/999999/review"),
        ("client", "/meetings/personal/{other_personal}/delete"),
        ("client", "/meetings/attendance/{other_attendance}/delete"),
        ("client", "/meetings/999999/save"),
        ("staff", "/care/clients/{family}/meetings"),
        ("client", "/homework/{other_copy}/hand-in"),
        ("client", "/homework/{other_copy}/reopen"),
        ("client", "/homework/{other_copy}/questions/{other_question}/draft"),
        ("client", "/homework/{copy}/questions/{other_question}/draft"),
        ("client", "/homework/999999/hand-in"),
        ("staff", "/care/homework/copies/999999/feedback"),
        ("staff", "/care/clients/{family}/homework/new"),
        ("staff", "/care/groups/999999/homework/new"),
    ],
)
def test_posts_to_ids_of_the_wrong_kind_or_someone_elses_are_404(app, client, role, path):
    people = sign_in_as(app, client, role)
    url = path.format(
        client=people.client.id,
        family=people.family.id,
        other_contact=people.other_contact_id,
        other_personal=people.other_personal_meeting_id,
        other_attendance=people.other_attendance_id,
        copy=people.copy_id,
        other_copy=people.other_copy_id,
        other_question=people.other_question_id,
    )
    response = client.post(url, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["client", "other_client", "staff", "admin", *FAMILIES])
@pytest.mark.parametrize("which", ["mine", "theirs", "missing"])
def test_homework_copies_by_role_and_id(app, client, role, which):
    """A copy opens for its own client and for the care team only; family never sees one."""
    people = sign_in_as(app, client, role)
    copy_id = {"mine": people.copy_id, "theirs": people.other_copy_id, "missing": 999999}[which]
    page = "/homework/{}" if role in ("client", "other_client") else "/care/homework/copies/{}"
    status = client.get(page.format(copy_id)).status_code
    owner = {"mine": "client", "theirs": "other_client"}.get(which)
    allowed = which != "missing" and (role in ("staff", "admin") or role == owner)
    assert status == (200 if allowed else 404)
