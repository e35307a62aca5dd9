"""Sending one push: encrypt (aes128gcm), sign (VAPID), POST, and say what the service answered.

pywebpush encrypts and posts; the session it posts through is one aiohttp session shared by
every message (keep-alive, no new connection per message). A VAPID token is signed
once per push service and reused until an hour before its expiry, which is 12 hours after
signing (RFC 8292 allows at most 24). Each signing gets a fresh claims dict: py-vapid and
pywebpush fill in `aud` and `exp` on the dict they are given.
"""

import asyncio
import ssl
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import aiohttp
import certifi
from py_vapid import Vapid02
from pywebpush import WebPusher

TOKEN_LIFETIME = 12 * 3600
TOKEN_MARGIN = 3600


@dataclass
class Outgoing:
    """One claimed outbox row, with what is needed to send it."""

    row_id: int
    subscription_id: int | None
    endpoint: str | None
    p256dh: str
    auth: str
    payload: str
    not_after: datetime
    urgency: str
    topic: str
    attempts: int


@dataclass
class Outcome:
    """What became of one try: the HTTP status, or the error when there was no answer."""

    message: Outgoing
    status: int | None = None
    error: str = ""
    retry_after: str | None = None
    ttl: int | None = None
    skipped: str = ""  # "expired" (too late to send) or "paused" (the service asked us to wait)


def origin(endpoint: str) -> str:
    """Return scheme://host[:port] of an endpoint: the VAPID audience, no trailing slash."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


class PushSender:
    """Send pushes over one event loop: one aiohttp session, `concurrency` requests in flight.

    The loop runs in a thread of its own; `submit` hands it a message from any thread and
    returns a concurrent Future, so the dispatcher's pass stays plain synchronous code.
    pywebpush sends through aiohttp itself (`send_async` with a shared session): keep-alive
    connections, an HTTP parser in C, no thread per request. Over TLS to nginx on the benchmark
    machine this sender does 2,700-3,000 messages a second on one core, where eight threads on
    urllib3 did 1,800 (bench/README.md). Nothing here follows redirects or retries:
    the dispatcher decides about retries itself. Certificates are always verified, against
    certifi's bundle unless `ca_file` names another (PUSH_CA_FILE: a test push service's own).
    """

    def __init__(
        self,
        vapid: Vapid02,
        subject: str,
        timeout: float = 10,
        threads: int = 8,
        ca_file: str = "",
    ):
        self.vapid = vapid
        self.subject = subject
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.concurrency = threads
        self.ca_file = ca_file
        self._tokens: dict[str, tuple[dict, int]] = {}
        self._lock = threading.Lock()
        self.paused: dict[str, float] = {}  # origin -> time.time() until which it said 429
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="push", daemon=True)
        self._thread.start()
        self.session = asyncio.run_coroutine_threadsafe(self._open(), self.loop).result()

    async def _open(self) -> aiohttp.ClientSession:
        # A message waits here for its turn, not in the connection pool: aiohttp's timeout
        # would count the pool's wait too, and a slow service would time out the queue.
        self._slots = asyncio.Semaphore(self.concurrency)
        tls = ssl.create_default_context(cafile=self.ca_file or certifi.where())
        connector = aiohttp.TCPConnector(limit=self.concurrency, ssl=tls)
        # No cookies kept between push services, and no proxy settings read from the environment.
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    def claims(self, audience: str, now: float) -> dict:
        """Return a new claims dict for one signing: never reuse one (pywebpush mutates it)."""
        return {"sub": self.subject, "aud": audience, "exp": int(now) + TOKEN_LIFETIME}

    def vapid_headers(self, endpoint: str) -> dict:
        """Return the Authorization header for this endpoint's service, signing when needed."""
        audience = origin(endpoint)
        now = time.time()
        with self._lock:
            cached = self._tokens.get(audience)
            if cached is None or cached[1] - now < TOKEN_MARGIN:
                claims = self.claims(audience, now)
                cached = (self.vapid.sign(claims), claims["exp"])
                self._tokens[audience] = cached
        return dict(cached[0])

    async def send(self, message: Outgoing, started: float, pass_now: datetime) -> Outcome:
        """Send one message when a slot is free: its TTL and its timeout count from then."""
        async with self._slots:
            return await self._send_now(message, started, pass_now)

    async def _send_now(self, message: Outgoing, started: float, pass_now: datetime) -> Outcome:
        """Send one message now, unless it is too late or its service asked us to wait."""
        # The pass may be long; count its own time so nothing goes out after not_after.
        elapsed = time.monotonic() - started
        ttl = int((message.not_after - pass_now).total_seconds() - elapsed)
        if ttl < 1:
            return Outcome(message, skipped="expired")
        if self.paused.get(origin(message.endpoint), 0) > time.time():
            return Outcome(message, skipped="paused")
        headers = self.vapid_headers(message.endpoint)
        headers.update({"TTL": str(ttl), "Urgency": message.urgency, "Topic": message.topic})
        keys = {"p256dh": message.p256dh, "auth": message.auth}
        info = {"endpoint": message.endpoint, "keys": keys}
        try:
            pusher = WebPusher(info, aiohttp_session=self.session)
            response = await pusher.send_async(
                message.payload.encode(), headers, ttl=ttl, timeout=self.timeout
            )
        except TimeoutError:  # asyncio's, and aiohttp's ServerTimeoutError is one too
            return Outcome(message, error="timeout", ttl=ttl)
        except aiohttp.ClientError as e:  # refused, reset, a certificate not trusted
            return Outcome(message, error=f"connection: {type(e).__name__}", ttl=ttl)
        except Exception as e:  # a bad key in a stored subscription, say: record, don't crash
            return Outcome(message, error=f"encode: {type(e).__name__}", status=400, ttl=ttl)
        retry_after = response.headers.get("Retry-After")
        if response.status == 429:
            self.paused[origin(message.endpoint)] = time.time() + retry_after_seconds(retry_after)
        return Outcome(message, status=response.status, retry_after=retry_after, ttl=ttl)

    def submit(self, message: Outgoing, started: float, pass_now: datetime) -> Future:
        return asyncio.run_coroutine_threadsafe(self.send(message, started, pass_now), self.loop)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.session.close(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def retry_after_seconds(retry_after: str | None, default: float = 60, cap: float = 3600) -> float:
    """Read Retry-After (seconds or an HTTP date) as seconds from now, within reason."""
    if not retry_after:
        return default
    try:
        return min(max(float(retry_after), 1), cap)
    except ValueError:
        pass
    try:
        return min(max(parsedate_to_datetime(retry_after).timestamp() - time.time(), 1), cap)
    except (TypeError, ValueError):
        return default
