"""Spanish throughout: every route, as every kind of person, has no English sentence left.

A page's visible text (and the words it hands to scripts and screen readers) is searched for
English function words; what the test itself seeded (names, titles, places) is taken out first,
since a clinic's own data is in whatever language the clinic wrote it.
"""

import html
import json
import re

import pytest

from portal.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.routes import ROLES, all_rules, make_people, url_for_rule

SPANISH = {"Accept-Language": "es-US,es;q=0.9"}
# Words that are English and never Spanish: two of them in one stretch of text is a sentence
# someone forgot to translate.
ENGLISH = {
    "the", "and", "your", "you", "with", "this", "that", "are", "is", "not", "for", "of", "to",
    "it", "be", "have", "has", "was", "will", "can", "what", "when", "who", "how", "from", "by",
    "or", "at", "on", "in", "an", "we", "our", "they", "their", "there", "here", "if", "do",
    "does", "yet", "any", "been", "would", "should", "about", "into", "them", "were",
}  # fmt: skip
# Spoken by screen readers, shown as a tooltip or placeholder, or handed to a script to show
# (data attributes hold states and addresses too: only their sentences count).
SPOKEN = re.compile(r'(?:aria-label|title|placeholder|alt)="([^"]*)"')
HANDED = re.compile(r'data-[a-z-]+="([^"]*)"')
DROPPED = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->", re.S)


def visible_text(page: str) -> str:
    handed = [v for v in HANDED.findall(page) if len(re.findall(r"[A-Za-z]+\b", v)) >= 3]
    spoken = " ".join(SPOKEN.findall(page) + [v for v in handed if "{" not in v])
    text = re.sub(r"<[^>]+>", " ", DROPPED.sub(" ", page))
    return html.unescape(text + " " + spoken)


def strings_in(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [value] if isinstance(value, str) else []


def english_left(text: str, seeded: list[str]) -> list[str]:
    """Return the stretches of text that read as English sentences."""
    for value in sorted(seeded, key=len, reverse=True):
        text = text.replace(value, " ")
    found = []
    for stretch in re.split(r"[\n.!?:;|·—()]+", text):
        words = re.findall(r"[A-Za-z']+", stretch.lower())
        if sum(w in ENGLISH for w in words) >= 2 or (len(words) <= 3 and words and all(
            w in ENGLISH for w in words
        )):
            found.append(" ".join(stretch.split()))
    return found


def seeded_values(app) -> list[str]:
    """Everything the setup typed in: it stays as the clinic wrote it."""
    from sqlalchemy import String, Text, select

    values = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                values.update(v for v in row if isinstance(v, str) and len(v) > 2)
    return sorted(values)


def spanish_people(app, client, role):
    people = make_people(app, language="es")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    if role != "anonymous":
        assert sign_in(client, getattr(people, role).email).status_code == 302
    return people


@pytest.mark.parametrize("role", ROLES)
def test_every_route_reads_in_spanish(app, client, role):
    people = spanish_people(app, client, role)
    seeded = seeded_values(app)
    left = {}
    for rule in all_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "accounts.logout":
                continue
            url = url_for_rule(app, rule, people)
            data = {"csrf_token": csrf_token(client)} if method != "GET" else None
            response = client.open(url, method=method, data=data, follow_redirects=True)
            if response.mimetype not in ("text/html", "application/json", "text/calendar"):
                continue
            page = response.get_data(as_text=True)
            if response.mimetype == "application/json":
                page = " . ".join(strings_in(response.get_json()))  # values, not field names
            if response.mimetype == "text/html":
                assert 'lang="es-US"' in page or "<html" not in page, url
            english = english_left(visible_text(page), seeded)
            if english:
                left[f"{method} {url}"] = english[:5]
    assert left == {}, "\n".join(f"{k}: {v}" for k, v in left.items())


# --- Choosing a language ----------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from icalendar import Calendar  # noqa: E402

from portal.accounts.language import COOKIE  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.consent.models import ConsentGrant  # noqa: E402
from portal.timeutil import utcnow  # noqa: E402
from tests.conftest import make_user, post  # noqa: E402
from tests.push_helpers import add_device, at, dispatch, make_clinic  # noqa: E402
from tests.push_service import FakePushService  # noqa: E402


def locale_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).locale


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_before_any_choice_the_browser_decides(app, client):
    assert html_lang(client.get("/login")) == "en-US"
    page = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert html_lang(page) == "es-US"
    assert "Entrar" in page.get_data(as_text=True)
    # The other language is one tap away, named in itself.
    assert 'hreflang="en"' in page.get_data(as_text=True) and ">English<" in page.get_data(
        as_text=True
    )


def test_the_sign_in_page_link_sets_a_cookie_that_outranks_the_browser(app, client):
    response = client.get("/language/es?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert f"{COOKIE}=es" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/login", headers={"Accept-Language": "en-US"})
    assert html_lang(page) == "es-US"
    client.get("/language/en")
    assert html_lang(client.get("/login", headers={"Accept-Language": "es"})) == "en-US"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_the_language_link_never_leaves_the_site(app, client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.headers["Location"] == "/login"


def test_an_unknown_language_is_not_found(app, client):
    assert client.get("/language/xx").status_code == 404
    assert "Set-Cookie" not in client.get("/language/xx").headers


def test_settings_keep_the_choice_for_pages_reminders_and_the_feed(app, client):
    person = make_user(app, "client")
    sign_in(client, person.email)
    assert locale_of(app, person.id) == "en"  # taken from this browser at sign-in
    response = post(client, "/settings/language", {"language": "es"}, follow_redirects=True)
    assert html_lang(response) == "es-US"
    assert "Idioma guardado" in response.get_data(as_text=True)
    assert locale_of(app, person.id) == "es"
    # The account's choice outranks the browser and any cookie.
    page = client.get("/today", headers={"Accept-Language": "en"})
    assert html_lang(page) == "es-US"


@pytest.mark.parametrize("value", ["", "fr", "es\x00", "x" * 500])
def test_a_bad_language_is_refused_next_to_the_field(app, client, value):
    person = make_user(app, "client")
    sign_in(client, person.email)
    response = post(client, "/settings/language", {"language": value})
    assert response.status_code == 422
    assert 'id="language-error"' in response.get_data(as_text=True)
    assert locale_of(app, person.id) == "en"


def test_an_account_without_a_language_takes_the_browsers_at_sign_in(app, client):
    person = make_user(app, "client")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    sign_in(client, person.email)
    assert locale_of(app, person.id) == "es"


def test_the_care_team_sets_a_new_clients_language_and_the_setup_page_follows(app, client):
    staff = make_user(app, "staff", name="Casey Staff")
    sign_in(client, staff.email)
    response = post(
        client,
        "/care/clients/new",
        {"name": "Rosa Díaz", "email": "rosa@example.org", "counselor_id": staff.id,
         "language": "es"},
    )
    assert response.status_code == 201
    setup = re.search(r"https?://[^/]+(/setup/[^\"<\s]+)", response.get_data(as_text=True)).group(1)
    with app.app_context():
        rosa = db.session.scalar(db.select(User).where(User.email == "rosa@example.org"))
        assert rosa.locale == "es"
    phone = app.test_client()  # the client's own phone, set to English
    page = phone.get(setup, headers={"Accept-Language": "en-US"})
    assert html_lang(page) == "es-US"
    assert "contraseña" in page.get_data(as_text=True).lower()


def test_a_consent_is_signed_in_the_language_the_client_reads_and_says_which(app, client):
    person = make_user(app, "client", name="Rosa Díaz")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    sign_in(client, person.email)
    fields = {
        "recipient_name": "Ana Díaz",
        "relationship": "Hermana",
        "email": "ana@example.org",
        "expires_on": (utcnow().date() + timedelta(days=30)).isoformat(),
    }
    post(client, "/family/consents/new", fields)
    signed = {**fields, "step": "sign", "signature": "Rosa Díaz", "agree": "y"}
    response = post(client, "/family/consents/new", signed)
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    with app.app_context():
        (grant,) = db.session.scalars(db.select(ConsentGrant)).all()
        assert grant.language == "es"
        assert "consentimiento" in grant.text.lower() and "treatment" not in grant.text


# --- What leaves without a page: reminders and the calendar feed -------------------------------


def test_reminders_go_out_in_the_recipients_language_and_stay_neutral(app, clinic_clock):
    push = FakePushService().start()
    try:
        app.config.update(PUSH_INSECURE_HOSTS=["127.0.0.1"], PUSH_TIMEOUT_SECONDS=1)
        clinic = make_clinic(app)
        with app.app_context():
            db.session.get(User, clinic.client.id).locale = "es"
            db.session.commit()
        add_device(app, clinic.client.id, push.new_device())
        dispatch(app, at("2026-11-22T19:00:00-05:00"))  # the evening before
        dispatch(app, at("2026-11-23T17:00:00-05:00"))  # an hour before
        bodies = [m.payload["body"] for m in push.accepted]
        titles = {m.payload["title"] for m in push.accepted}
    finally:
        push.stop()
    assert titles == {"Recordatorio"}
    # Babel's US Spanish time: "6:00 p.m." (CLDR puts a narrow space before "p.m.").
    assert [re.sub(r"\s", " ", b) for b in bodies] == [
        "Recordatorio: cita mañana a las 6:00 p.m.",
        "Recordatorio: cita a las 6:00 p.m.",
    ]


def test_the_feed_names_events_in_the_owners_language_not_the_calendar_apps(app):
    clinic = make_clinic(app)
    phone = app.test_client()
    phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    sign_in(phone, clinic.client.email)
    post(phone, "/settings/calendar-feed/new")
    html = phone.get("/settings").get_data(as_text=True)
    url = re.search(r"<code>https?://[^/]+(/feeds/[^<]+\.ics)</code>", html).group(1)
    calendar_app = app.test_client()  # no cookie, an English Accept-Language
    body = calendar_app.get(url, headers={"Accept-Language": "en-US"}).get_data()
    cal = Calendar.from_ical(body)
    assert str(cal["X-WR-CALNAME"]) == "Mis citas"
    summaries = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert summaries == {"Cita"}


# --- Help, offline, meetings ---------------------------------------------------------------------


def test_the_crisis_panel_gives_the_spanish_options_of_988_and_samhsa(app, client):
    page = client.get("/help", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Línea 988 de Prevención del Suicidio y Crisis" in page
    assert "oprima 2" in page and 'href="sms:988?&amp;body=AYUDA"' in page
    assert 'href="https://988lineadevida.org/"' in page
    assert "Línea Nacional de Ayuda de SAMHSA" in page and "en inglés y en español" in page
    # An English reader learns the Spanish options exist, for someone they are helping.
    english = client.get("/help", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In Spanish: call 988 and press 2" in english


def test_the_service_worker_keeps_the_help_and_offline_pages_in_every_language(app, client):
    worker = client.get("/service_worker.js").get_data(as_text=True)
    settings = json.loads(re.search(r"const PORTAL = (\{.*?\});", worker).group(1))
    assert set(settings["languages"]) == {"en", "es"}
    for url in settings["pages"]:
        page = app.test_client().get(url)  # the worker fetches without cookies
        assert page.status_code == 200
        assert html_lang(page) == ("es-US" if url.endswith("lang=es") else "en-US")
    offline = app.test_client().get("/offline?lang=es").get_data(as_text=True)
    assert "sin conexión" in offline.lower()


def test_spanish_meetings_are_one_tap_away_for_a_spanish_reader(app, client):
    from tests.meeting_feeds import import_entries, meeting

    with app.app_context():
        import_entries(
            [
                meeting("es-1", name="Grupo Nueva Vida", types=["O", "S"]),
                meeting("en-1", name="Early Birds", types=["O"]),
            ]
        )
    person = make_user(app, "client")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    sign_in(client, person.email)
    page = client.get("/meetings").get_data(as_text=True)
    link = re.search(r'href="([^"]*type=S[^"]*)"[^>]*>Solo reuniones en español', page)
    assert link, page
    options = re.findall(r'<option[^>]*value="([^"]*)"', page.split('name="type"')[1])
    assert options[:2] == ["", "S"]
    only = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert "Grupo Nueva Vida" in only and "Early Birds" not in only
    # Its language is the first thing said about it.
    assert re.search(r'Grupo Nueva Vida.*?<span class="tag">Español</span>', only, re.S)


def test_every_field_of_a_clients_copy_has_a_label_to_translate(app):
    from portal.my_data.labels import LABELS
    from portal.my_data.rules import export

    people = make_people(app)
    keys = set()

    def collect(value):
        if isinstance(value, dict):
            keys.update(value)
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    with app.app_context():
        sections = export(db.session.get(User, people.client.id), now=utcnow())["sections"]
        for rows in sections.values():  # the sections have their own titles
            collect(rows)
    assert sorted(keys - set(LABELS)) == []


@pytest.mark.parametrize(
    ("hour", "spanish", "english"),
    [
        (13, "Recordatorio: reunión a la 1:00 p.m.", "Reminder: meeting at 1:00 PM"),
        (14, "Recordatorio: reunión a las 2:00 p.m.", "Reminder: meeting at 2:00 PM"),
        (23, "Recordatorio: reunión a las 11:00 p.m.", "Reminder: meeting at 11:00 PM"),
        (0, "Recordatorio: reunión a las 12:00 a.m.", "Reminder: meeting at 12:00 AM"),
    ],
)
def test_the_article_agrees_with_the_hour(app, hour, spanish, english):
    """ "a la 1:00" but "a las 2:00": a time in a sentence is counted by its hour."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal.notifications.messages import meeting_text

    start = datetime(2026, 12, 7, hour, tzinfo=ZoneInfo("America/New_York"))
    with app.app_context():
        assert re.sub(r"\s", " ", meeting_text(start, "es")[1]) == spanish
        assert re.sub(r"\s", " ", meeting_text(start, "en")[1]) == english


def test_a_family_member_joining_from_a_spanish_phone_gets_reminders_in_spanish(app):
    from tests.test_family import _join, _sign_up_to_invitation

    people = make_people(app)
    _client, link, code = _sign_up_to_invitation(app, people)
    parent = app.test_client()
    parent.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    assert html_lang(parent.get(link)) == "es-US"
    assert _join(parent, link, code).status_code == 302
    with app.app_context():
        robin = db.session.scalar(db.select(User).where(User.email == "robin@example.org"))
        assert robin.locale == "es"
