"""Headers, cookie flags, proxy trust and the same-origin check (ASVS 3.3, 3.4, 3.5, 14.3)."""

import ipaddress
import logging
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from .forms import CONTROL

# Responses the browser and the service worker may cache: they carry nothing personal.
CACHEABLE_ENDPOINTS = {"static", "core.service_worker", "core.manifest", "core.favicon"}
# Sec-Fetch-Site values only the app's own pages (or the person typing) can produce.
SAME_ORIGIN_FETCH_SITES = {"same-origin", "none"}
log = logging.getLogger("portal.security")
# A static file is never a page the app shows, so the page policy (~360 bytes on every file of
# a first visit on a weak signal) says nothing a browser uses. Should one be opened on its own
# (an SVG, say), this locks it down harder than the page policy would.
STATIC_FILE_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(
            app.config["SESSION_COOKIE_SECURE"]
            or app.config["FORCE_HTTPS_COOKIES"]
            or request.is_secure
        )

    def save_session(self, app, session, response):
        # A response that is the same for everyone (the year-long static files of
        # frame.cache_versioned_static, the service worker) must not carry a refreshed session
        # cookie nor vary by one: the cookie changes at sign-in, and the browser would fetch
        # them all again.
        if getattr(response, "same_for_everyone", False):
            return
        super().save_session(app, session, response)


class TrustedProxyFix:
    """Apply ProxyFix only to requests that come from one of the trusted proxies.

    ProxyFix alone believes X-Forwarded-* from whoever connects; a gunicorn port reached
    directly would let anyone claim HTTPS or another client address.
    """

    def __init__(self, app, hops: int, addresses: list[str]):
        self.plain = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
        self.networks = [ipaddress.ip_network(a, strict=False) for a in addresses]

    def trusted(self, remote: str | None) -> bool:
        if not self.networks:
            return True
        try:
            address = ipaddress.ip_address(remote or "")
        except ValueError:
            return False  # a Unix socket has no address: only the proxy can reach it
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)


def content_security_policy(htmx_url: str) -> str:
    """Return the CSP: no inline script or style; of the CDN, only the pinned htmx file."""
    parts = urlsplit(htmx_url)
    script_src = "'self'" + (f" {htmx_url}" if parts.netloc else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self'",
            "img-src 'self' data:",
            # The service worker fetches htmx to keep it for offline use.
            f"connect-src {script_src}",
            "font-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def origin_of(url: str) -> str:
    """Return scheme://host[:port] of a URL, lower-cased, default ports dropped."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return ""
    if port and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    return f"{scheme}://{host}" if scheme and host else ""


def cross_origin_reason(headers, own_origins: set[str]) -> str | None:
    """Say why a state-changing request comes from another site, or None if it may be ours.

    Under our `Referrer-Policy: no-referrer` browsers send no Referer and an `Origin: null` on
    form posts, so Flask-WTF's HTTPS Referer check refuses everyone. Fetch metadata is sent
    whatever the policy; the Origin header is the fallback; a browser that sends neither is
    left to the CSRF token alone.
    """
    site = headers.get("Sec-Fetch-Site")
    if site:
        return None if site in SAME_ORIGIN_FETCH_SITES else f"Sec-Fetch-Site is {site}"
    origin = headers.get("Origin")
    if origin and origin != "null" and origin_of(origin) not in own_origins:
        return "Origin is another site"
    return None


def _check_same_origin() -> None:
    if request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return
    own = {origin_of(request.host_url)}
    if current_app.config["PUBLIC_URL"]:
        own.add(origin_of(current_app.config["PUBLIC_URL"]))
    reason = cross_origin_reason(request.headers, own)
    if reason:
        log.warning("cross-site request refused endpoint=%s reason=%s", request.endpoint, reason)
        raise CSRFError(reason)


def _refuse_control_characters() -> None:
    """Answer an address holding NUL or other control characters with a 404 at the door.

    PostgreSQL refuses NUL in text outright, so `/feeds/%00.ics` was a 500; no page's address
    holds them. (Query values are cleaned by the views that read them: `forms.clean_query`.)
    """
    if CONTROL.search(request.path):
        abort(404)


def init_security(app: Flask) -> None:
    """Install the proxy trust, the cookie rule, the same-origin check and the headers."""
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = TrustedProxyFix(
            app.wsgi_app, app.config["TRUSTED_PROXIES"], app.config["TRUSTED_PROXY_ADDRESSES"]
        )
    app.session_interface = SessionInterface()
    app.before_request(_refuse_control_characters)
    app.before_request(_check_same_origin)
    csp = content_security_policy(app.config["HTMX_URL"])

    @app.after_request
    def set_headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint == "static":
            # Not the service worker's script: a worker runs under its script's policy.
            response.headers["Content-Security-Policy"] = STATIC_FILE_POLICY
        elif 300 <= response.status_code < 400:
            # Nothing is shown: a redirect's page policy is never applied, and a 304 leaves the
            # kept copy's headers in place (RFC 9110 15.4.5 asks for cache fields only).
            for name in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
                response.headers.pop(name, None)
        else:
            response.headers.setdefault("Content-Security-Policy", csp)
            response.headers["X-Frame-Options"] = "DENY"
            response.headers.setdefault(
                "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
            )
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response
