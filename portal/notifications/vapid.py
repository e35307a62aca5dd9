"""The VAPID key pair that signs every push (RFC 8292): from the environment, or made once."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode

KEY_FILE = "vapid_private_key"


def generate_pair() -> tuple[str, str]:
    """Make a new key pair: (private key as raw base64url, public applicationServerKey)."""
    vapid = Vapid02()
    vapid.generate_keys()
    number = vapid.private_key.private_numbers().private_value
    return b64urlencode(number.to_bytes(32, "big")), application_server_key(vapid)


def application_server_key(vapid: Vapid02) -> str:
    """Return the public key the browser subscribes with (uncompressed point, base64url)."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(raw)


def _development_key(instance_path: Path) -> str:
    """Return a key kept in instance/, made on first use, so development restarts keep devices."""
    path = instance_path / KEY_FILE
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_pair()[0])
        path.chmod(0o600)
    return path.read_text().strip()


def load(text: str) -> Vapid02:
    """Read a private key given as raw base64url, base64url DER, or PEM text."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        return Vapid02(key)
    return Vapid02.from_string(text)


def default_subject(public_url: str) -> str:
    """Name who runs this server for push services: the site itself when it is on HTTPS."""
    parts = urlsplit(public_url)
    if parts.scheme == "https" and parts.hostname:
        return f"https://{parts.netloc}"
    return "mailto:webpush@localhost"


def subject_problem(subject: str) -> str | None:
    """Say why push services would refuse this VAPID subject, or None when it will do.

    Apple's service answers 403 BadJwtToken to a subject on localhost, and every service wants
    a way to reach a person: a mailto: or https: address on a real domain.
    """
    parts = urlsplit(subject)
    if parts.scheme == "mailto":
        host = subject.rpartition("@")[2].lower()
    elif parts.scheme == "https":
        host = (parts.hostname or "").lower()
    else:
        return "it must start with mailto: or https:"
    reserved = host == "localhost" or host.endswith((".localhost", ".local", ".invalid"))
    if not host or "." not in host or reserved or host.replace(".", "").isdigit():
        return f"{host or 'an empty host'} is not a public domain"
    return None


def configure(app: Flask) -> None:
    """Fill in the push settings the app was not given: keys, subject, worker and sender knobs."""
    config = app.config
    config.setdefault("VAPID_PRIVATE_KEY", os.environ.get("VAPID_PRIVATE_KEY", ""))
    config.setdefault(
        "VAPID_SUBJECT", os.environ.get("VAPID_SUBJECT") or default_subject(config["PUBLIC_URL"])
    )
    config.setdefault("WORKER_INTERVAL_SECONDS", int(os.environ.get("WORKER_INTERVAL_SECONDS", 30)))
    config.setdefault("PUSH_TIMEOUT_SECONDS", float(os.environ.get("PUSH_TIMEOUT_SECONDS", 10)))
    config.setdefault("PUSH_MAX_ATTEMPTS", int(os.environ.get("PUSH_MAX_ATTEMPTS", 5)))
    config.setdefault("PUSH_SEND_THREADS", int(os.environ.get("PUSH_SEND_THREADS", 8)))
    config.setdefault("PUSH_CLAIM_BATCH", int(os.environ.get("PUSH_CLAIM_BATCH", 256)))
    # A claim not renewed for this long belongs to a dead pass and is sent again.
    config.setdefault("PUSH_LEASE_SECONDS", float(os.environ.get("PUSH_LEASE_SECONDS", 90)))
    config.setdefault(
        "PUSH_HEARTBEAT_SECONDS", float(os.environ.get("PUSH_HEARTBEAT_SECONDS", 20))
    )
    config.setdefault(
        "PUSH_SERVICE_HOSTS",
        os.environ.get(
            "PUSH_SERVICE_HOSTS",
            "fcm.googleapis.com android.googleapis.com push.services.mozilla.com "
            "push.apple.com notify.windows.com",
        ).split(),
    )
    config.setdefault("PUSH_INSECURE_HOSTS", os.environ.get("PUSH_INSECURE_HOSTS", "").split())
    # A PEM file of certificates to trust for push services *instead of* certifi's bundle, for a
    # local push service with a self-signed certificate (bench/dispatch.py's nginx). Empty in
    # production: real push services are verified against certifi's bundle. Never turns
    # verification off.
    config.setdefault("PUSH_CA_FILE", os.environ.get("PUSH_CA_FILE", ""))


def vapid() -> Vapid02:
    """Return this server's VAPID key, loaded once per app."""
    cached = current_app.extensions.get("vapid")
    if cached is None:
        text = current_app.config["VAPID_PRIVATE_KEY"]
        if not text and current_app.testing:
            text = generate_pair()[0]  # tests leave nothing behind in instance/
        cached = current_app.extensions["vapid"] = load(
            text or _development_key(Path(current_app.instance_path))
        )
    return cached


def public_key() -> str:
    """Return the applicationServerKey for the browser."""
    return application_server_key(vapid())
