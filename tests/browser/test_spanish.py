"""Spanish in a real browser: a client whose phone reads Spanish checks in on a hard day and
finds help in Spanish, online and off; a counselor and a family member read their pages in it.

Each test runs on its own server: choosing a language is stored on the account, and the shared
demo server's people must stay English for the other tests.
"""

from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer
from tests.browser.test_checkins import fill_check_in
from tests.browser.test_offline import wait_for_worker

CATALOG = Translations.load(str(Path(__file__).parents[2] / "portal" / "translations"), ["es"])
es = CATALOG.gettext  # the page's own words, looked up the way the app does
NARROW = {"width": 320, "height": 640}


@pytest.fixture
def own_server(tmp_path, browser):
    server = LiveServer(tmp_path).prepare().start()
    yield server
    server.stop()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def sign_in_in_spanish(page, server, email: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Entrar").click()


def choose_spanish_in_settings(page, server) -> None:
    page.goto(server.url + "/settings")
    page.get_by_role("combobox", name="Language").select_option("es")
    page.get_by_role("button", name="Save language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es-US")


def worker_knows_the_language(page) -> None:
    """Wait until the service worker has stored the language a page told it."""
    page.wait_for_function(
        "async () => !!(await (await caches.open('portal-settings')).match('/offline-language'))"
    )


def test_a_spanish_speaking_client_checks_in_and_reads_help_in_spanish(new_context, own_server):
    page = new_context(locale="es-US").new_page()
    page.goto(own_server.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "es-US")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entrar")
    screenshot(page, "es-login")
    sign_in_in_spanish(page, own_server, "client2@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Sam")
    fits(page, 390)
    screenshot(page, "es-today")

    page.get_by_role("navigation", name=es("Main")).get_by_role("link", name=es("Check-in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Daily check-in"))
    fill_check_in(page, craving="9", t=es)
    page.get_by_role("button", name=es("Save my check-in")).click()
    main = page.get_by_role("main")
    heading = main.get_by_role("heading", name=es("You do not have to face this alone"))
    expect(heading).to_be_visible()
    expect(main.get_by_role("link", name="Llamar al 988")).to_have_attribute("href", "tel:988")
    expect(main.get_by_role("link", name="Enviar AYUDA al 988")).to_have_attribute(
        "href", "sms:988?&body=AYUDA"
    )
    expect(main).to_contain_text("llame al 988 y oprima 2")
    expect(main).to_contain_text("Línea Nacional de Ayuda de SAMHSA")
    fits(page, 390)
    screenshot(page, "es-checkin-crisis")
    page.set_viewport_size(NARROW)
    fits(page, 320)
    screenshot(page, "es-checkin-crisis-320")

    # The help panel from the top bar, already in the page.
    page.get_by_role("banner").get_by_role("link", name=es("Get help now")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Línea 988 de Prevención del Suicidio y Crisis")
    expect(dialog.get_by_role("link", name="Chat en español")).to_have_attribute(
        "href", "https://988lineadevida.org/"
    )
    dialog.get_by_role("button", name=es("Close")).click()

    # With no signal: help and the offline page come from the worker, still in Spanish,
    # although the phone's browser was never asked again.
    wait_for_worker(page)
    page.goto(own_server.url + "/today")
    worker_knows_the_language(page)
    own_server.stop()
    page.goto(own_server.url + "/help")
    expect(page.get_by_role("link", name="Llamar al 988")).to_be_visible()
    page.goto(own_server.url + "/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text(es("No connection right now"))
    fits(page, 320)
    screenshot(page, "es-offline-320")


def test_a_client_on_an_english_phone_switches_to_spanish_in_settings(new_context, own_server):
    page = new_context().new_page()
    sign_in(page, own_server, "client2@example.org")
    choose_spanish_in_settings(page, own_server)
    expect(page.get_by_role("status").first).to_contain_text("Idioma guardado")
    # The worker learns it too: offline, the generic pages are Spanish.
    wait_for_worker(page)
    page.goto(own_server.url + "/today")
    worker_knows_the_language(page)
    own_server.stop()
    page.goto(own_server.url + "/meetings")
    expect(page.get_by_role("heading", level=1)).to_have_text(es("No connection right now"))


def test_a_counselor_and_a_family_member_read_their_pages_in_spanish(new_context, own_server):
    staff = new_context().new_page()
    sign_in(staff, own_server, "counselor@example.org")
    choose_spanish_in_settings(staff, own_server)
    staff.goto(own_server.url + "/care/")
    expect(staff.locator("html")).to_have_attribute("lang", "es-US")
    fits(staff, 390)
    screenshot(staff, "es-counselor-home")
    staff.get_by_role("link", name="Alex Morgan", exact=True).first.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Alex Morgan")
    fits(staff, 390)
    screenshot(staff, "es-counselor-client")

    family = new_context(locale="es-US", viewport=NARROW).new_page()
    sign_in_in_spanish(family, own_server, "family@example.org")
    expect(family.locator("html")).to_have_attribute("lang", "es-US")
    expect(family.get_by_role("main")).to_contain_text(es("Notice about this information"))
    fits(family, 320)
    screenshot(family, "es-family-320")
