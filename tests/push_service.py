"""A push service on 127.0.0.1 for the tests: it checks and decrypts what the dispatcher sends.

Each message is decrypted with the subscription's own private key (aes128gcm, RFC 8291), its
VAPID JWT verified (ES256, aud = this origin, exp at most 24 hours ahead, sub mailto: or https:)
along with the header formats, and recorded. The service can be told what to answer next:
201, 404, 410, 429 (with Retry-After), 500, or to hang.
"""

import base64
import json
import os
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

URGENCIES = {"very-low", "low", "normal", "high"}
HANG = "hang"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's side of a subscription: a real P-256 key pair and a 16-byte auth secret."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def info(self) -> dict:
        """Return the JSON a browser's PushSubscription would give."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Message:
    token: str
    headers: dict
    payload: dict | None
    claims: dict | None
    answer: int | str
    at: float = field(default_factory=time.time)


class VerificationError(Exception):
    pass


def verify_vapid(authorization: str, audience: str, now: float) -> dict:
    """Check `vapid t=<jwt>,k=<key>` (RFC 8292) and return the JWT's claims."""
    match = re.fullmatch(r"vapid t=([\w\-]+\.[\w\-]+\.[\w\-]+),\s*k=([\w\-]+)", authorization)
    if not match:
        raise VerificationError(f"Authorization is not 'vapid t=…,k=…': {authorization[:40]}")
    token, key = match.groups()
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    if header.get("alg") != "ES256" or header.get("typ") != "JWT":
        raise VerificationError(f"bad JWT header {header}")
    signature = unb64url(signature_b64)
    if len(signature) != 64:
        raise VerificationError("ES256 signature must be 64 bytes")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise VerificationError("the VAPID signature does not verify") from e
    claims = json.loads(unb64url(claims_b64))
    if claims.get("aud") != audience:
        raise VerificationError(f"aud {claims.get('aud')!r} is not {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or not now < exp <= now + 24 * 3600 + 5:
        raise VerificationError(f"exp {exp} is not within 24 hours of {int(now)}")
    if not re.match(r"^(mailto:[^@\s]+@\S+|https://\S+)$", str(claims.get("sub", ""))):
        raise VerificationError(f"sub {claims.get('sub')!r} is not mailto: or https:")
    return claims


class FakePushService:
    """Run the service in a thread; tell it what to answer; read what it received."""

    def __init__(self, verify_every: int = 1, delay: float = 0):
        self.verify_every = verify_every
        self.delay = delay  # seconds to think before answering, like a real service
        self.devices: dict[str, Device] = {}
        self.messages: list[Message] = []
        self.errors: list[str] = []
        self.script: deque = deque()
        self.default: tuple = (201, None)
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.service = self
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakePushService":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def new_device(self) -> Device:
        token = uuid.uuid4().hex
        device = Device(
            token,
            f"{self.origin}/push/{token}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.devices[token] = device
        return device

    def answer(self, *answers) -> None:
        """Queue the next answers: a status code, (status, retry_after), or HANG."""
        self.script.extend(answers)

    def always(self, status: int, retry_after: str | None = None) -> None:
        self.default = (status, retry_after)

    @property
    def accepted(self) -> list[Message]:
        return [m for m in self.messages if m.answer == 201]

    def _next_answer(self):
        with self.lock:
            self.count += 1
            answer = self.script.popleft() if self.script else self.default
        return answer if isinstance(answer, tuple | str) else (answer, None)

    def check(self, token: str, headers: dict, body: bytes) -> tuple[dict | None, dict | None]:
        """Verify one request as a real push service would, and decrypt it."""
        device = self.devices.get(token)
        if device is None:
            raise VerificationError(f"no such subscription {token}")
        if headers.get("content-encoding") != "aes128gcm":
            raise VerificationError(f"Content-Encoding {headers.get('content-encoding')}")
        if not re.fullmatch(r"\d+", headers.get("ttl", "")):
            raise VerificationError(f"TTL {headers.get('ttl')!r}")
        if headers.get("urgency") not in URGENCIES:
            raise VerificationError(f"Urgency {headers.get('urgency')!r}")
        topic = headers.get("topic")
        if topic is not None and not re.fullmatch(r"[A-Za-z0-9_\-]{1,32}", topic):
            raise VerificationError(f"Topic {topic!r} is not 1-32 base64url characters")
        crypto_key = headers.get("crypto-key")
        if crypto_key is not None and not re.fullmatch(r"p256ecdsa=[\w\-]+", crypto_key):
            raise VerificationError(f"Crypto-Key {crypto_key!r}")
        if len(body) > 4096:
            raise VerificationError(f"body of {len(body)} bytes")
        claims = verify_vapid(headers.get("authorization", ""), self.origin, time.time())
        plain = http_ece.decrypt(
            body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
        )
        return json.loads(plain), claims


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        service: FakePushService = self.server.service
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        token = self.path.rsplit("/", 1)[-1]
        payload = claims = None
        verify = service.verify_every and (service.count % service.verify_every == 0)
        if verify:
            try:
                payload, claims = service.check(token, headers, body)
            except Exception as e:
                service.errors.append(f"{type(e).__name__}: {e}")
                self._reply(400)
                return
        answer = service._next_answer()
        if service.delay:
            time.sleep(service.delay)
        if answer == HANG:
            service.messages.append(Message(token, headers, payload, claims, HANG))
            service.released.wait(120)
            self.close_connection = True
            return
        status, retry_after = answer
        service.messages.append(Message(token, headers, payload, claims, status))
        self._reply(status, retry_after)

    def _reply(self, status: int, retry_after: str | None = None):
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Length", "0")
        self.end_headers()
