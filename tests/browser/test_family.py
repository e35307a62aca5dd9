"""The family path in a real browser: invite, sign, accept, be added, view, revoke, gone."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


def test_invite_sign_accept_view_revoke(new_context, live_server):
    client = new_context().new_page()
    sign_in(client, live_server, "client@example.org")
    client.goto(live_server.url + "/settings")
    client.get_by_role("link", name="Family members and consents").click()
    client.get_by_role("link", name="Invite a family member").click()
    client.get_by_label("Their name").fill("Casey Sibling")
    client.get_by_label("Who they are to you").fill("Sister")
    client.get_by_label("Their email").fill("casey.sibling@example.org")
    client.get_by_role("button", name="Next: read the consent").click()
    consent = client.locator(".consent-text")
    expect(consent).to_contain_text("at my request")
    expect(consent).to_contain_text("Casey Sibling")
    client.get_by_label("Type your full name to sign").fill("Alex Morgan")
    client.get_by_label("I have read this consent and I agree to it.").check()
    screenshot(client, "family-consent")
    client.get_by_role("button", name="Sign and make the invitation").click()
    link = client.locator(".setup-url code").inner_text()
    assert re.search(r"/family/join/", link)

    family = new_context().new_page()
    family.goto(link)
    expect(family.get_by_label("Your email")).to_have_value("casey.sibling@example.org")
    family.get_by_label("New password").fill("casey bakes bread daily")
    family.get_by_label("Type it again").fill("casey bakes bread daily")
    family.get_by_role("button", name="Create my account").click()
    expect(family.get_by_role("heading", level=1)).to_have_text("Family sessions")
    expect(family.get_by_role("heading", name="With Alex")).to_be_visible()

    staff = new_context().new_page()
    sign_in(staff, live_server, "counselor@example.org")
    staff.get_by_label("Find a client").fill("Alex")
    staff.get_by_role("link", name="Alex Morgan").click()
    staff.get_by_role("link", name="Progress and sessions").click()
    staff.locator("li", has_text="Family session").get_by_role("link", name="Change").click()
    staff.get_by_label(re.compile("Casey Sibling")).check()
    staff.get_by_role("button", name="Save").click()

    family.reload()
    expect(family.locator(".session-row").first).to_contain_text("Family session")
    screenshot(family, "family")
    assert "Individual session" not in family.content()
    assert "Evening group" not in family.content()

    client.goto(live_server.url + "/family/consents")
    client.get_by_role("link", name="Casey Sibling").click()
    client.get_by_text("Stop sharing with Casey Sibling").click()
    client.get_by_label("Yes, stop sharing with this person.").check()
    client.get_by_role("button", name="Stop sharing").click()
    expect(client.get_by_role("status")).to_contain_text("can no longer see")

    family.reload()
    expect(family.locator(".session-row")).to_have_count(0)
    expect(family.get_by_role("main")).to_contain_text("nothing to show")
    client.goto(live_server.url + "/family/disclosures")
    expect(client.get_by_role("main")).to_contain_text("Casey Sibling")
