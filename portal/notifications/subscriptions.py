"""Devices: check a browser's PushSubscription, keep it for its person, forget it."""

import base64
import binascii
import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from yarl import URL

from ..extensions import db
from .dispatcher import forget_devices
from .models import NotificationPreferences, PushSubscription
from .reminders import default_preferences

MAX_ENDPOINT = 1000
CONTROL = re.compile(r"[\x00-\x20\x7f]")


class Invalid(ValueError):
    """A subscription the server will not keep, with a message and the field at fault."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


def _b64url(value, field: str, length: int) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+={0,2}", value):
        raise Invalid(field, _l("This key is missing or not base64url."))
    try:
        raw = base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as e:
        raise Invalid(field, _l("This key is missing or not base64url.")) from e
    if len(raw) != length:
        raise Invalid(field, _l("This key has the wrong length."))
    return raw


def _allowed_host(host: str, hosts: list[str]) -> bool:
    return any(h == "*" or host == h or host.endswith("." + h) for h in hosts)


def check_endpoint(endpoint) -> str:
    """Accept only a push service's HTTPS address: the server will POST to it (no SSRF).

    The address is read with yarl, the parser the sender (aiohttp) connects with: parsers
    disagree on `https://127.0.0.1\\.fcm.googleapis.com/` (urlsplit and urllib3 did), and the
    sender's reading is the one that decides where the request goes. Backslashes, user info,
    escaped hosts and any port but 443 are refused outright.
    """
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise Invalid("endpoint", _l("The endpoint is missing or too long."))
    if CONTROL.search(endpoint) or "\\" in endpoint:
        raise Invalid("endpoint", _l("The endpoint has characters that do not belong in it."))
    try:
        parts = URL(endpoint)
        # The name as connected to (IDNA), and the port only if the address names one.
        host, port = (parts.raw_host or "").lower(), parts.explicit_port
    except (ValueError, UnicodeError) as e:
        raise Invalid("endpoint", _l("The endpoint is not an address.")) from e
    authority = endpoint.split("://", 1)[-1].split("/", 1)[0]
    config = current_app.config
    if host in config["PUSH_INSECURE_HOSTS"]:  # a local test push service only
        ok = parts.scheme in ("http", "https")
    else:
        ok = (
            parts.scheme == "https"
            and port in (None, 443)
            and _allowed_host(host, config["PUSH_SERVICE_HOSTS"])
        )
    if not host or parts.user is not None or "@" in authority or "%" in authority or not ok:
        raise Invalid("endpoint", _l("This is not a push service this server sends to."))
    return endpoint


def parse(data) -> dict:
    """Check the JSON of a browser PushSubscription; raise Invalid, or return what to store."""
    if not isinstance(data, dict):
        raise Invalid("", _l("Send a JSON object."))
    endpoint = check_endpoint(data.get("endpoint"))
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise Invalid("keys", _l("The keys are missing."))
    p256dh = _b64url(keys.get("p256dh"), "keys.p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError as e:
        raise Invalid("keys.p256dh", _l("This is not a P-256 public key.")) from e
    _b64url(keys.get("auth"), "keys.auth", 16)
    expires = data.get("expirationTime")
    if expires is not None:
        if isinstance(expires, bool) or not isinstance(expires, int | float):
            raise Invalid("expirationTime", _l("The expiration time must be a number or null."))
        try:
            expires = datetime.fromtimestamp(expires / 1000, UTC)
        except (OverflowError, OSError, ValueError) as e:
            raise Invalid("expirationTime", _l("The expiration time is out of range.")) from e
    old = data.get("oldEndpoint")
    return {
        "endpoint": endpoint,
        "p256dh": keys["p256dh"].rstrip("="),
        "auth": keys["auth"].rstrip("="),
        "expires_at": expires,
        "old_endpoint": old if isinstance(old, str) else None,
    }


def device_label(user_agent: str) -> str:
    """Name a browser and device in a few words, e.g. "Chrome on Android"; keep no more."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("SamsungBrowser", "Samsung Internet"),
                ("Firefox/", "Firefox"),
                ("FxiOS", "Firefox"),
                ("CriOS", "Chrome"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "Browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Macintosh", "Mac"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser


def ensure_preferences(person) -> NotificationPreferences:
    """Give a person the default preferences the moment their first device is turned on."""
    prefs = db.session.get(NotificationPreferences, person.id)
    if prefs is None:
        # Every value given, so a later None ("off") is stored as NULL, not as the default.
        prefs = default_preferences(person.id)
        db.session.add(prefs)
    return prefs


def save(person, fields: dict, label: str) -> bool:
    """Keep a device for a person (a shared browser moves to whoever turned it on last).

    Returns True when the device is new to the server.
    """
    if fields["old_endpoint"] and fields["old_endpoint"] != fields["endpoint"]:
        remove(person, fields["old_endpoint"])
    values = {k: fields[k] for k in ("p256dh", "auth", "expires_at")}
    for _attempt in range(2):
        existing = db.session.scalar(
            select(PushSubscription).where(PushSubscription.endpoint == fields["endpoint"])
        )
        if existing is not None and existing.user_id != person.id:
            # A shared browser: nothing queued for the last person may reach the new one.
            forget_devices({existing.id})
            db.session.expunge(existing)
            existing = None
        created = existing is None
        device = existing or PushSubscription(endpoint=fields["endpoint"])
        for name, value in {**values, "user_id": person.id, "device_label": label}.items():
            setattr(device, name, value)
        db.session.add(device)
        ensure_preferences(person)
        try:
            db.session.commit()
            return created
        except IntegrityError:
            # Two requests for the same new device at once: the other one won; update it.
            db.session.rollback()
    raise RuntimeError("could not store the subscription")


def remove(person, endpoint: str) -> bool:
    """Forget one of a person's devices; another person's is left alone."""
    ids = set(
        db.session.scalars(
            select(PushSubscription.id).where(
                PushSubscription.endpoint == endpoint, PushSubscription.user_id == person.id
            )
        )
    )
    if ids:
        forget_devices(ids)
    db.session.commit()
    return bool(ids)


def devices_of(person) -> list[PushSubscription]:
    """Return a person's devices, newest first."""
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == person.id)
            .order_by(PushSubscription.created_at.desc())
        )
    )
