"""A short cache, per process, of what a client's pages read again and again: on each page the
frame's help panel, on Today a dozen small queries, and the service worker fetches the same
pages again to keep them for offline use.

An entry is keyed by the versions of the data it came from (portal/data_versions.py), read with
the session at the start of the request, so it is right in every process at once and gone the
moment anything it came from changes. Only GET requests that changed nothing use it. Values
must be plain data (tuples, frozen dataclasses): ORM objects belong to one request's session.
"""

from collections.abc import Callable, Hashable
from threading import Lock

from cachetools import LRUCache
from flask import current_app, g, has_request_context, request


def _store() -> tuple[LRUCache, Lock]:
    # One per app, so a test's fresh database never meets another app's entries. Five entries
    # a client, about 50 KB in all with a month's calendar (measured on the bench clinic).
    kept = current_app.extensions.get("client_cache")
    if kept is None:
        size = current_app.config["PAGE_CACHE_ENTRIES"]
        kept = current_app.extensions.setdefault("client_cache", (LRUCache(size), Lock()))
    return kept


def cached(person, name: str, key: Hashable, compute: Callable, keep: Callable | None = None):
    """Return compute()'s value for this person and key, from the cache while it is current.

    `key` holds whatever else the value depends on (the clinic's date, the zone). `keep`, if
    given, readies a value for keeping (detaches ORM rows); it runs only on what is kept."""
    if (
        not has_request_context()
        or request.method not in ("GET", "HEAD")
        or g.get("data_changed")
        or "shared_data_version" not in g
        or not current_app.config["PAGE_CACHE_ENTRIES"]
    ):
        return compute()
    stamp = (person.data_version, g.shared_data_version, key)
    store, lock = _store()
    with lock:
        hit = store.get((person.id, name))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = compute()
    if keep is not None:
        keep(value)
    with lock:
        store[(person.id, name)] = (stamp, value)
    return value
