"""Who counts as "the same" for throttling sign-in, without keeping anyone's email in the store."""

import hashlib
import hmac
import logging
import math
import secrets
import time

from flask import current_app, request, url_for
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import pending

security_log = logging.getLogger("portal.security")


def account_fingerprint(email: str) -> str:
    """Return a keyed hash of an email: stable for counting, useless to whoever reads the store."""
    key = current_app.config["SECRET_KEY"].encode()
    normal = (email or "").strip().lower().encode()
    return hmac.new(key, normal, hashlib.sha256).hexdigest()[:24]


def attempted_account() -> str:
    """Fingerprint the account being tried: the email typed, or at the second-factor step the
    account whose password was right, so guessing codes uses the same allowance as passwords."""
    if "email" not in request.form and pending.fingerprint():
        return pending.fingerprint()
    return account_fingerprint(request.form.get("email", ""))


def account_key() -> str:
    """Key the per-account limit by the account being tried."""
    return "acct:" + attempted_account()


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


# OWASP's device cookie: a browser where this account has signed in before gets its own
# allowance, so an attacker guessing at an account (or spraying a clinic's shared address)
# cannot lock the owner out. The cookie names the account only by its keyed fingerprint.
DEVICE_COOKIE = "portal_device"
DEVICE_DAYS = 365


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def device_cookie_value(email: str) -> str:
    """Return the signed cookie that marks this browser as one the account signed in on."""
    nonce = secrets.token_urlsafe(12)
    return _device_serializer().dumps({"a": account_fingerprint(email), "n": nonce})


def trusted_device() -> str | None:
    """Return this browser's device id if it has signed in to the account being tried."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != attempted_account():
        return None
    return str(data.get("n", ""))


def device_key() -> str:
    """Key a trusted browser's own allowance."""
    return "dev:" + (trusted_device() or "none")


def is_untrusted() -> bool:
    return trusted_device() is None


def is_trusted() -> bool:
    return trusted_device() is not None


def remember_device(response, email: str) -> None:
    """Give the browser its device cookie after a successful sign-in."""
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_value(email),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        secure=request.is_secure or current_app.config["FORCE_HTTPS_COOKIES"],
        samesite="Lax",
        path=url_for("accounts.login"),
    )


def sign_in_limits(view):
    """Throttle a sign-in step; the password and the second-factor steps share one allowance."""
    from ..extensions import limiter

    limits = (
        (account_limit, account_key, is_trusted, "login-account"),
        (account_limit, device_key, is_untrusted, "login-device"),
        (address_limit, address_key, is_trusted, "login-address"),
    )
    for limit, key, exempt, scope in reversed(limits):
        view = limiter.shared_limit(
            limit,
            scope,
            key_func=key,
            methods=["POST"],
            deduct_when=failed_sign_in,
            exempt_when=exempt,
        )(view)
    return view


def wait_minutes() -> int:
    """Return how many whole minutes until the limit that stopped this request lets go."""
    from ..extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return 1
    return max(1, math.ceil((limit.reset_at - time.time()) / 60))
