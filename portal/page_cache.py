"""Whole pages kept per browser session, for the pages opened again and again: Today and the
calendar (each opened, then fetched again by the service worker for offline use), and the
counselor's home (left open, its attention list polled).

A kept page is served only while everything it was made from is as it was. It is keyed by
- the browser session and its form token (a page carries its session's CSRF token, so it is
  never shown to another session, even of the same person),
- the address, the htmx headers and the language,
- the minute (a page says "in 20 minutes", "now", "today"; nothing finer),
- the data versions (portal/data_versions.py): the person's own and the shared one, and for a
  page about the whole clinic the clinic's (`clinic_version`), read from the database on
  every request, so every process is right the moment a change commits.

A page is not kept when making it changed anything (the session, the database, a cookie), when
flashed messages are waiting (they are shown once), or when it did not answer 200. A page may
only be cached if everything it reads is versioned: tests/test_page_cache.py checks the tables
each cached page reads against `watched_tables()`.
"""

from collections.abc import Callable
from threading import Lock

from cachetools import LRUCache
from flask import Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from .data_versions import clinic_version

# What a kept page may carry back: the view's own headers, not the frame's (those are added
# again by the after-request hooks on every answer).
_KEPT_HEADERS = ("Content-Type", "Vary", "HX-Trigger", "HX-Retarget", "HX-Reswap")


def _store() -> tuple[LRUCache, Lock] | None:
    megabytes = current_app.config["RENDERED_PAGE_CACHE_MB"]
    if not megabytes or not current_app.config["PAGE_CACHE_ENTRIES"]:
        return None
    kept = current_app.extensions.get("page_cache")
    if kept is None:
        store = LRUCache(megabytes * 1_000_000, getsizeof=lambda entry: len(entry[1]) + 500)
        kept = current_app.extensions.setdefault("page_cache", (store, Lock()))
    return kept


def _usable() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and current_user.is_authenticated
        and "shared_data_version" in g
        and not g.get("data_changed")
        and not session.modified
        and "_flashes" not in session
        and bool(session.get("sid"))
        and bool(session.get(current_app.config["WTF_CSRF_FIELD_NAME"]))
    )


def cached_page(compute: Callable[[], Response], *, now, clinic_wide: bool = False) -> Response:
    """Answer with the kept page while it is current, else with compute()'s (and keep that)."""
    kept = _store()
    if kept is None or not _usable():
        return compute()
    store, lock = kept
    slot = (
        session["sid"],
        current_user.id,
        request.endpoint,
        request.full_path,
        tuple(sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-"))),
    )
    stamp = (
        int(now.timestamp() // 60),
        str(get_locale()),
        session[current_app.config["WTF_CSRF_FIELD_NAME"]],
        current_user.data_version,
        g.shared_data_version,
        clinic_version() if clinic_wide else None,
    )
    with lock:
        hit = store.get(slot)
    if hit is not None and hit[0] == stamp:
        return Response(hit[1], 200, headers=list(hit[2]))
    response = compute()
    if (
        response.status_code == 200
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not session.modified
        and not g.get("data_changed")
        and "_flashes" not in session
    ):
        headers = tuple((k, v) for k, v in response.headers.items() if k in _KEPT_HEADERS)
        with lock:
            store[slot] = (stamp, response.get_data(), headers)
    return response
