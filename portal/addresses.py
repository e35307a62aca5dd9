"""The one rule for the address people receive: setup links, invitations, feeds, push targets.

`PUBLIC_URL`, when set, is the address everything a person receives points at, whatever host a
request came in on. Unset, a link made during a request uses that request's own address (the
proxy's, with TRUSTED_PROXIES), and a link made outside a request (the CLI, the worker) uses the
development address.
"""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for

DEVELOPMENT_URL = "http://127.0.0.1:5000"


def public_base() -> str:
    """Return scheme://host[:port] that people use to reach the app."""
    configured = current_app.config.get("PUBLIC_URL", "")
    if configured:
        parts = urlsplit(configured)
        return f"{parts.scheme}://{parts.netloc}"
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEVELOPMENT_URL


def public_url(endpoint: str, **values) -> str:
    """Return the full address of an endpoint, for a link that leaves the app."""
    base = public_base()
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context(base_url=base):  # the CLI and the worker
        return base + url_for(endpoint, **values)


def public_host() -> str:
    """Return a host name that stays the same for a deployment (calendar UIDs use it)."""
    return urlsplit(current_app.config.get("PUBLIC_URL") or DEVELOPMENT_URL).netloc


def is_production() -> bool:
    """Return True when the configured public address is HTTPS: people depend on it."""
    return urlsplit(current_app.config.get("PUBLIC_URL", "")).scheme == "https"
