"""Response headers and cookie flags of the security baseline (ASVS 3.3, 3.4, 14.3)."""

from urllib.parse import urlsplit

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# Responses the browser and the service worker may cache: they carry nothing personal.
CACHEABLE_ENDPOINTS = {"static", "core.service_worker", "core.manifest"}


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(
            app.config["SESSION_COOKIE_SECURE"]
            or app.config["FORCE_HTTPS_COOKIES"]
            or request.is_secure
        )


def content_security_policy(htmx_url: str) -> str:
    """Return the CSP: no inline script or style, htmx's host allowed (it is pinned with SRI)."""
    parts = urlsplit(htmx_url)
    script_src = "'self'" + (f" {parts.scheme}://{parts.netloc}" if parts.netloc else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self'",
            "img-src 'self' data:",
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


def init_security(app: Flask) -> None:
    """Install the proxy fix, the cookie rule and the headers on every response."""
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = SessionInterface()
    csp = content_security_policy(app.config["HTMX_URL"])

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response
