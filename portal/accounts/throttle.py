"""Who counts as "the same" for throttling sign-in, without keeping anyone's email in the store."""

import hashlib
import hmac
import logging

from flask import current_app, request
from flask_limiter.util import get_remote_address

security_log = logging.getLogger("portal.security")


def account_fingerprint(email: str) -> str:
    """Return a keyed hash of an email: stable for counting, useless to whoever reads the store."""
    key = current_app.config["SECRET_KEY"].encode()
    normal = (email or "").strip().lower().encode()
    return hmac.new(key, normal, hashlib.sha256).hexdigest()[:24]


def account_key() -> str:
    """Key the per-account limit by the email being tried."""
    return "acct:" + account_fingerprint(request.form.get("email", ""))


def address_key() -> str:
    """Key the per-address limit, which is much higher: a clinic's Wi-Fi is one address."""
    return "addr:" + (get_remote_address() or "unknown")


def failed_sign_in(response) -> bool:
    """Count only failed attempts; a successful sign-in never uses up the allowance."""
    return response.status_code == 401


def account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def log_failed_sign_in(email: str, reason: str) -> None:
    """Log a failed sign-in with a fingerprint of the account, never the email or password."""
    security_log.warning("sign-in failed reason=%s account=%s", reason, account_fingerprint(email))
