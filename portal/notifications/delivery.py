"""Sending one push: encrypt (aes128gcm), sign (VAPID), POST, and say what the service answered.

pywebpush encrypts and posts; the session it posts through is one `PooledSession` shared by
every message and thread (keep-alive, no new connection per message). A VAPID token is signed
once per push service and reused until an hour before its expiry, which is 12 hours after
signing (RFC 8292 allows at most 24). Each signing gets a fresh claims dict: py-vapid and
pywebpush fill in `aud` and `exp` on the dict they are given.
"""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import certifi
import urllib3
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


class _Response:
    """The parts of a requests.Response that pywebpush and the dispatcher read."""

    __slots__ = ("status_code", "headers", "text")

    def __init__(self, status_code: int, headers, text: str):
        self.status_code, self.headers, self.text = status_code, headers, text


class PooledSession:
    """The one method of `requests.Session` pywebpush calls (`post`), on a urllib3 pool.

    requests is built on urllib3; its own per-request work (hooks, cookies, prepared requests)
    capped sending at about 700 messages a second on the benchmark machine, where urllib3's pool
    alone does about 2,500 (bench/README.md). Nothing here follows redirects or retries: the
    dispatcher decides about retries itself. Certificates are always verified, against certifi's
    bundle unless `ca_file` names another (PUSH_CA_FILE: a test push service's own certificate).
    """

    def __init__(self, maxsize: int, ca_file: str = ""):
        self.pool = urllib3.PoolManager(
            num_pools=32, maxsize=maxsize, retries=False, ca_certs=ca_file or certifi.where()
        )

    def post(self, url, data=None, headers=None, timeout=None):
        response = self.pool.request(
            "POST",
            url,
            body=data,
            headers=dict(headers or {}),
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False,
            redirect=False,
        )
        return _Response(
            response.status, response.headers, response.data.decode("utf-8", "replace")
        )

    def close(self) -> None:
        self.pool.clear()


class PushSender:
    """Send pushes from a small thread pool over one HTTP session."""

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
        self.timeout = timeout
        self.session = PooledSession(maxsize=threads, ca_file=ca_file)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="push")
        self._tokens: dict[str, tuple[dict, int]] = {}
        self._lock = threading.Lock()
        self.paused: dict[str, float] = {}  # origin -> time.time() until which it said 429

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

    def send(self, message: Outgoing, started: float, pass_now: datetime) -> Outcome:
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
            response = WebPusher(info, requests_session=self.session).send(
                message.payload.encode(), headers, ttl=ttl, timeout=self.timeout
            )
        except urllib3.exceptions.NewConnectionError as e:  # a subclass of the timeout, oddly
            return Outcome(message, error=f"connection: {type(e).__name__}", ttl=ttl)
        except urllib3.exceptions.TimeoutError:
            return Outcome(message, error="timeout", ttl=ttl)
        except urllib3.exceptions.HTTPError as e:
            return Outcome(message, error=f"connection: {type(e).__name__}", ttl=ttl)
        except Exception as e:  # a bad key in a stored subscription, say: record, don't crash
            return Outcome(message, error=f"encode: {type(e).__name__}", status=400, ttl=ttl)
        retry_after = response.headers.get("Retry-After")
        if response.status_code == 429:
            self.paused[origin(message.endpoint)] = time.time() + retry_after_seconds(retry_after)
        return Outcome(message, status=response.status_code, retry_after=retry_after, ttl=ttl)

    def submit(self, message: Outgoing, started: float, pass_now: datetime) -> Future:
        return self.pool.submit(self.send, message, started, pass_now)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.session.close()


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
