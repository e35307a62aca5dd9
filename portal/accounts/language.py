"""Which language a page, a reminder or a feed is written in: one rule for all of them.

A person's choice (their account's language, else the cookie the sign-in page sets) comes first;
before any choice, the browser's Accept-Language. Text is looked up by language ("es") and dates,
times and numbers are formatted in the US variant of it ("es_US": "6:00 p.m.", not "18:00"),
because the clinics and their clients are in the US.
"""

from contextlib import contextmanager
from functools import cache

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import force_locale
from flask_login import current_user

COOKIE = "lang"
COOKIE_DAYS = 365
# Formats of the US variant where CLDR has one (a new language's own formats otherwise).
FORMAT_LOCALES = {"en": "en_US", "es": "es_US"}


@cache  # CLDR data, the same for the life of the process; asked on every signed-out page
def language_name(code: str) -> str:
    """A language's name in itself ("Español"): a person who cannot read the current page can
    still find theirs."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def languages() -> list[str]:
    """The languages this deployment offers, the default first."""
    return current_app.config["LANGUAGES"]


def known(code: str | None) -> str | None:
    """Return the code if it is one the deployment offers, else None."""
    return code if code in languages() else None


def chosen_language() -> str:
    """The language of the current request (or the default outside one)."""
    if not has_request_context():
        return languages()[0]
    if current_user.is_authenticated and known(current_user.locale):
        return current_user.locale
    return (
        # The service worker keeps the generic pages (help, offline) in each language this way.
        known(request.args.get(COOKIE))
        or known(request.cookies.get(COOKIE))
        # A page about one account (a setup link) may name that account's language.
        or known(g.get("language_hint"))
        or request.accept_languages.best_match(languages())
        or languages()[0]
    )


def format_locale(code: str | None) -> str:
    """The Babel locale a language's text and formats use (unknown or none: the default)."""
    code = known(code) or languages()[0]
    return FORMAT_LOCALES.get(code, code)


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    return format_locale(chosen_language())


@contextmanager
def written_for(code: str | None):
    """Write in one person's language whatever the request's (reminders, feeds, a consent)."""
    with force_locale(format_locale(code)):
        yield


def html_lang() -> str:
    """The page's `lang` attribute, in BCP 47 form ("es-US")."""
    return format_locale(chosen_language()).replace("_", "-")


def adopt_browser_language(user) -> None:
    """Give an account with no language yet the one this browser reads (the caller commits);
    called as every session starts, however the person signed in.

    Reminders are written without a browser; this is how they learn the person's language
    before the person ever opens settings.
    """
    if user.locale is None:
        user.locale = chosen_language()
