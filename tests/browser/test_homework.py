"""Homework in a real browser: drafts save while typing, a draft typed with the server down is
kept on the phone and saved once when it is back, and handing in loses nothing.

"Offline" means the server is stopped (see test_offline.py); the same LiveServer starts again
on the same port and database, as the signal coming back.
"""

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer
from tests.browser.test_checkins import outbox_size, wait_for_empty_outbox

QUESTION = "What happened, and what went through your mind?"
KEPT = "Kept on this phone. It will be saved when you are back online."


@pytest.fixture
def own_server(tmp_path, browser):
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def stored(server: LiveServer, title: str) -> tuple[str, list[str], int]:
    """Return a homework copy's status, its answers' texts, and its draft-save keys."""
    with sqlite3.connect(server.workdir / "browser.sqlite3") as conn:
        copy_id, status = conn.execute(
            "SELECT c.id, c.status FROM homework_copies c JOIN homework_assignments a"
            " ON a.id = c.assignment_id WHERE a.title = ?",
            (title,),
        ).fetchone()
        texts = [
            r[0]
            for r in conn.execute(
                "SELECT text FROM homework_answers WHERE copy_id = ? ORDER BY question_id",
                (copy_id,),
            )
        ]
        (keys,) = conn.execute(
            "SELECT count(*) FROM idempotency_keys k JOIN homework_answers a"
            " ON a.id = k.result_id WHERE k.scope = 'homework-draft' AND a.copy_id = ?",
            (copy_id,),
        ).fetchone()
        return status, texts, keys


@pytest.mark.parametrize("back_by", ["hand in at once", "reload first"])
def test_an_answer_typed_offline_is_kept_and_saved_once(new_context, own_server, back_by):
    page = new_context().new_page()
    sign_in(page, own_server, "client@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Homework").click()
    page.get_by_role("link", name="Thought record").click()
    answer = page.get_by_label(QUESTION)
    status = page.locator(f"#{answer.get_attribute('id')}-status")

    answer.press_sequentially("At the party I wanted a drink.")
    expect(status).to_have_text("Draft saved.")
    assert stored(own_server, "Thought record")[1] == ["At the party I wanted a drink."]

    own_server.stop()
    answer.press_sequentially(" I called my sponsor and left.")
    expect(status).to_have_text(KEPT)
    assert outbox_size(page) == 1

    own_server.start()
    full = "At the party I wanted a drink. I called my sponsor and left."
    if back_by == "reload first":
        page.reload()  # the phone's draft is newer than the page the server drew
        answer = page.get_by_label(QUESTION)
        expect(answer).to_have_value(full)
        wait_for_empty_outbox(page)
        assert stored(own_server, "Thought record")[1] == [full]
    page.get_by_role("button", name="Hand it in").click()
    expect(page.get_by_role("main")).to_contain_text("Handed in. Your counselor will read it")
    expect(page.get_by_label(QUESTION)).to_have_value(full)
    wait_for_empty_outbox(page)  # a draft left waiting is sent now, and changes nothing

    status_now, texts, keys = stored(own_server, "Thought record")
    assert status_now == "handed_in"
    assert texts[0] == full  # nothing lost, nothing twice
    assert len(texts) == 3 and texts[1:] == ["", ""]
    assert keys <= 2  # the online draft and the one kept on the phone, each saved once


def test_the_client_sees_feedback_and_the_counselor_sees_the_group(new_context, page, live_server):
    sign_in(page, live_server, "client@example.org")
    expect(page.get_by_role("main")).to_contain_text("New feedback on")
    page.goto(live_server.url + "/homework")
    expect(page.get_by_role("heading", name="Overdue")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "homework")
    page.get_by_role("link", name="Walk for 20 minutes, three times").click()
    expect(page.get_by_role("main")).to_contain_text("New: your counselor left feedback")
    screenshot(page, "homework-feedback")
    page.goto(live_server.url + "/homework")
    page.get_by_role("link", name="Read: coping with cravings").click()
    link = page.get_by_role("link", name="Coping with cravings (SAMHSA)")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert page.csp_errors == []

    staff = new_context(viewport={"width": 1024, "height": 800}).new_page()
    sign_in(staff, live_server, "counselor@example.org")
    staff.get_by_role("link", name="Sessions").click()
    staff.goto(live_server.url + "/care/groups")
    staff.get_by_role("link", name="Evening group").first.click()
    staff.get_by_role("link", name="Bring one trigger to talk about").click()
    expect(staff.get_by_role("table")).to_contain_text("Alex Morgan")
    expect(staff.get_by_role("main")).to_contain_text("of 2 handed in or done")
    screenshot(staff, "homework-group")
