"""Settings read from the environment, with safe development defaults kept in instance/."""

import os
import secrets
from datetime import time
from pathlib import Path

from .weeks import parse_week_start

HTMX_VERSION = "2.0.11"
# sha384 of https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js (the npm package's dist file).
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
HTMX_CDN_URL = f"https://unpkg.com/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"


TRANSLATIONS = Path(__file__).parent / "translations"


def _int(name, default):
    return int(os.environ.get(name, default))


WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# Evening groups run until 9 PM on weekdays; weekends are closed unless a clinic says otherwise.
DEFAULT_HOURS = {
    "MON": "09:00-21:00",
    "TUE": "09:00-21:00",
    "WED": "09:00-21:00",
    "THU": "09:00-21:00",
    "FRI": "09:00-17:00",
    "SAT": "",
    "SUN": "",
}


def parse_hours(text: str) -> tuple[time, time] | None:
    """Read one day's clinic hours, "09:00-17:00"; empty or "closed" means closed that day."""
    text = text.strip().lower()
    if text in ("", "closed"):
        return None
    opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
    if closes <= opens:
        raise ValueError(f"clinic hours {text!r}: closing must come after opening")
    return opens, closes


def clinic_hours() -> dict[int, tuple[time, time] | None]:
    """Return the clinic's hours by weekday (0 = Monday) from CLINIC_HOURS_MON … _SUN."""
    return {
        day: parse_hours(os.environ.get(f"CLINIC_HOURS_{name}", DEFAULT_HOURS[name]))
        for day, name in enumerate(WEEKDAYS)
    }


def _instance_secret(instance_path: Path) -> str:
    """Return a secret key kept in instance/, made once, so development restarts keep sessions."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'portal.sqlite3'}")
    # Hosting platforms still hand out postgres://; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment(instance_path: Path) -> dict:
    """Build the configuration mapping from environment variables."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # No ping at checkout: portal/connections.py finds closed connections without one.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "CLINIC_TIMEZONE": os.environ.get("CLINIC_TIMEZONE", "America/New_York"),
        # The calendar week the clinic counts hours and meetings in (portal/weeks.py).
        "WEEK_START": parse_week_start(os.environ.get("WEEK_START", "monday")),
        # How long a discharged client keeps the plan, check-in and meetings (accounts/program.py).
        "AFTERCARE_DAYS": int(os.environ.get("AFTERCARE_DAYS", "365")),
        # Entries the page cache keeps per process (portal/client_cache.py); 0 turns it off, and the
        # kept pages of portal/page_cache.py too.
        "PAGE_CACHE_ENTRIES": _int("PAGE_CACHE_ENTRIES", 4000),
        # Memory per process for whole pages kept per browser session (portal/page_cache.py).
        "RENDERED_PAGE_CACHE_MB": _int("RENDERED_PAGE_CACHE_MB", 32),
        # How long a closed account's data is kept before `erase-closed-accounts` deletes it.
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", "2190")),
        "APP_NAME": os.environ.get("APP_NAME", "Portal"),
        # Mixed into the service worker's version: set it per deploy to push a new worker even
        # when no static file changed (a template-only release, say).
        "RELEASE": os.environ.get("RELEASE", ""),
        # Named only inside consent forms (who may disclose), never in notifications or feeds.
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Harbor Street Outpatient Program"),
        # Unset: links follow the request's own address (see portal/addresses.py).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        "HTMX_URL": os.environ.get("HTMX_URL", HTMX_CDN_URL),
        "HTMX_SRI": os.environ.get("HTMX_SRI", HTMX_SRI),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        "SESSION_REMEMBER_DAYS": _int("SESSION_REMEMBER_DAYS", 30),
        "SETUP_LINK_HOURS": _int("SETUP_LINK_HOURS", 72),
        "CRISIS_CRAVING_THRESHOLD": _int("CRISIS_CRAVING_THRESHOLD", 8),
        # A self-harm flag nobody reviewed in this many minutes of clinic hours goes to everyone
        # on duty; outside clinic hours it waits for the opening (CLINIC_HOURS_MON … _SUN).
        "FLAG_ESCALATE_MINUTES": _int("FLAG_ESCALATE_MINUTES", 15),
        "CLINIC_HOURS": clinic_hours(),
        # The clinic's own after-hours line, shown to a client who checks in while it is closed.
        "AFTER_HOURS_PHONE": os.environ.get("AFTER_HOURS_PHONE", "").strip(),
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("LOGIN_ACCOUNT_LIMIT", "10 per minute; 30 per hour"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("LOGIN_ADDRESS_LIMIT", "200 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STRATEGY": "moving-window",
        # If Redis is briefly away, count in memory rather than lock everyone out of sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Forwarded headers count only from these peers (addresses or networks).
        "TRUSTED_PROXY_ADDRESSES": os.environ.get(
            "TRUSTED_PROXY_ADDRESSES", "127.0.0.1 ::1"
        ).split(),
        "FORCE_HTTPS_COOKIES": os.environ.get("FORCE_HTTPS_COOKIES", "") == "1",
        # English (the source text) and every language with a catalog in portal/translations.
        "LANGUAGES": ["en", *sorted(p.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES"))],
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        # Its HTTPS mode demands a Referer that our no-referrer policy never sends; the
        # same-origin check in security.py does that job with Sec-Fetch-Site and Origin.
        "WTF_CSRF_SSL_STRICT": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "portal_session",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
