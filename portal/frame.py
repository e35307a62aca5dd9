"""What every page's frame needs: versioned static URLs, htmx, the navigation, the help panel."""

import hashlib
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask, Response, current_app, request, session, url_for
from flask_babel import format_time, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .accounts.language import html_lang
from .accounts.program import stage
from .dates import format_day, format_moment, hour_of
from .recovery_plan.contacts import crisis_contacts_of
from .timeutil import utcnow

# The client's bottom navigation; an entry appears once its feature's endpoint exists.
CLIENT_NAV = [
    ("today.index", _l("Today"), "home"),
    ("schedule.calendar_page", _l("Calendar"), "calendar"),
    ("checkins.today", _l("Check-in"), "check"),
    ("homework.index", _l("Homework"), "book"),
    ("core.more", _l("More"), "more"),
]


# Our CSS and JavaScript go out minified: on a first visit over a weak signal their comments
# and indentation were a sixth of what was sent. Written readable, served small; the source
# stays the one copy.
MINIFIERS = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}


def minified(name: str, text: str) -> str:
    """Return a CSS or JavaScript file's text as it is served."""
    return MINIFIERS[Path(name).suffix](text)


def served_bytes(path: Path) -> bytes:
    """Return a static file's bytes as they go out: minified when it is CSS or JavaScript."""
    if path.suffix in MINIFIERS:
        return minified(path.name, path.read_text(encoding="utf-8")).encode()
    return path.read_bytes()


def static_digests(app: Flask) -> dict[str, str]:
    """Hash every static file once at start-up, for cache-busting URLs and the worker's version."""
    root = Path(app.static_folder)
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(served_bytes(p)).hexdigest()[:12]
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def minified_static(app: Flask) -> dict[str, bytes]:
    """Minify the CSS and JavaScript once per process."""
    root = Path(app.static_folder)
    return {
        p.relative_to(root).as_posix(): served_bytes(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in MINIFIERS
    }


def serve_static(filename: str):
    """Flask's static view, with CSS and JavaScript from the minified copies."""
    body = current_app.extensions["static_minified"].get(filename)
    if body is None:
        return current_app.send_static_file(filename)
    mimetype = "text/css" if filename.endswith(".css") else "text/javascript"
    response = Response(body, mimetype=mimetype)
    response.cache_control.no_cache = True  # as Flask's own; cache_versioned_static lifts it
    response.add_etag()
    return response.make_conditional(request)


def static_url(filename: str) -> str:
    """Return a static file's URL with its content hash, so it can be cached for a year."""
    digest = current_app.extensions["static_digests"].get(filename)
    return url_for("static", filename=filename, v=digest)


# In aftercare there are no program sessions or homework: the plan and meetings take their place.
AFTERCARE_NAV = [
    ("today.index", _l("Today"), "home"),
    ("checkins.today", _l("Check-in"), "check"),
    ("recovery_plan.plan", _l("Plan"), "book"),
    ("meetings.mine", _l("Meetings"), "calendar"),
    ("core.more", _l("More"), "more"),
]


def nav_items() -> list[tuple[str, str, str]]:
    """Return the client navigation entries whose pages exist in this build."""
    items = CLIENT_NAV
    if current_user.is_authenticated and not stage(current_user, now=utcnow()).in_program:
        items = AFTERCARE_NAV
    return [item for item in items if item[0] in current_app.view_functions]


def crisis_contacts() -> list:
    """Return the signed-in client's support contacts for the help panel."""
    if current_user.is_authenticated and current_user.is_client:
        return crisis_contacts_of(current_user)
    return []


def idle_minutes() -> int:
    """Return the idle timeout the page should enforce on screen, or 0 when none applies."""
    if not current_user.is_authenticated or session.get("_permanent"):
        return 0
    return current_app.config["SESSION_IDLE_MINUTES"]


def field_attrs(field, hint=None, autocomplete=None, inputmode=None) -> dict:
    """Return a form field's extra attributes, leaving out the ones that do not apply (an
    attribute saying "None" would point a screen reader at nothing)."""
    described = [f"{field.id}-error"] if field.errors else []
    if hint:
        described.append(f"{field.id}-hint")
    attrs = {
        "autocomplete": autocomplete,
        "inputmode": inputmode,
        "aria-invalid": "true" if field.errors else None,
        "aria-describedby": " ".join(described) or None,
    }
    return {key: value for key, value in attrs.items() if value}


def rendered_at() -> str:
    """Return this page's time of making, for the offline banner ("as of 5:42 PM")."""
    return format_time(utcnow(), "short")


def language_links() -> list[dict]:
    """The languages a visitor not signed in can switch to, each back to this page."""
    from .accounts.language import chosen_language, language_name, languages

    here = request.full_path.rstrip("?") if request.method == "GET" else None
    current = chosen_language()
    return [
        {
            "code": code,
            "name": language_name(code),
            "url": url_for("accounts.choose_language", code=code, next=here),
            "current": code == current,
        }
        for code in languages()
    ]


YEAR = 365 * 86400


def cache_versioned_static(response: Response) -> Response:
    """Let phones keep a static file for a year when its URL names its content (static_url).

    Without this Flask answers `no-cache`, and the session lookup adds `Vary: Cookie`: every
    page revalidated every file, and the cookie that changes at sign-in made the browser
    download them all again. A URL with a stale or missing digest keeps Flask's answer.
    """
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename")
    digest = current_app.extensions["static_digests"].get(filename)
    if digest and request.args.get("v") == digest:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.same_for_everyone = True  # security.SessionInterface: no cookie, no Vary
    return response


def page_translations() -> dict:
    """The page's gettext and ngettext, bound to this request's catalog once.

    Flask-Babel's template callables look the catalog up again for each of a page's ~40
    strings, through several context-local lookups every time; the template context is asked
    first, so these take their place. They behave as Jinja's newstyle callables: the text is
    escaped when autoescaping and always %-formatted. Imported macros still reach Flask-Babel's.
    """
    catalog = get_translations()

    # Markup: the catalog's texts are ours, as trusted as the template (Jinja does the same);
    # the %-formatting then escapes every variable put into them.
    @pass_context
    def gettext(context, string, **variables):
        text = catalog.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = catalog.ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    return {"gettext": gettext, "ngettext": ngettext}


def init_frame(app: Flask) -> None:
    app.extensions["static_digests"] = static_digests(app)
    app.extensions["static_minified"] = minified_static(app)
    app.view_functions["static"] = serve_static
    app.after_request(cache_versioned_static)
    app.jinja_env.globals["field_attrs"] = field_attrs  # imported macros see globals only
    app.jinja_env.globals["hour_of"] = hour_of  # a time's hour, the count of "at %(time)s"
    app.jinja_env.filters["day"] = format_day  # every date on a page: {{ d|day("long") }}
    app.jinja_env.filters["moment"] = format_moment  # an instant: {{ t|moment("weekday") }}

    @app.context_processor
    def frame_context():
        return {
            **page_translations(),
            "static_url": static_url,
            "nav_items": nav_items,
            "crisis_contacts": crisis_contacts,
            "get_locale": get_locale,
            "html_lang": html_lang,
            "language_links": language_links,
            "idle_minutes": idle_minutes,
            "rendered_at": rendered_at,
            "htmx_url": current_app.config["HTMX_URL"],
            "htmx_sri": current_app.config["HTMX_SRI"],
            "app_name": current_app.config["APP_NAME"],
        }
