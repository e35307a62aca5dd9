"""Versions of what a client's pages read, changed below every writer, for caches that must
never show what a committed change replaced (a cancelled session as on, a contact deleted).

A feature declares its tables once: `owned_by_client(Model, "client_id")` for a client's own
records, `shared(Model)` for what the clinic shares (the schedule, the meeting directory).
Whenever the ORM flushes such a row, or runs a bulk statement on such a table, the owner's
`users.data_version` (or the one shared version) gets a new random value in the same
transaction. A cache keyed by the versions a request read when it began (with its session, in
one query: accounts/sessions.py) can then only serve what was computed from that very state:
random values, not counters, so a database restored from a backup or a user id used again
never meets an old entry.
"""

import secrets
from functools import cache

from flask import g, has_request_context
from sqlalchemy import BigInteger, String, cast, event, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

SHARED = "shared"
_owner_of: dict[type, str] = {}  # model -> the attribute naming the client it belongs to
_shared: set[type] = set()


class DataVersion(db.Model):
    """The one shared version (a row, so a request reads it with its session in one query)."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def new_version() -> int:
    return secrets.randbits(62)


def owned_by_client(model: type, attribute: str) -> None:
    """Declare a client's own records: a change to one changes that client's version."""
    _owner_of[model] = attribute


def shared(model: type) -> None:
    """Declare what many clients read: a change to one changes the shared version."""
    _shared.add(model)


def watched_tables() -> set[str]:
    return {m.__table__.name for m in (*_owner_of, *_shared)}


def shared_version_column():
    """The shared version as a column for the session's query (None until the first change)."""
    return (select(DataVersion.version).where(DataVersion.name == SHARED).scalar_subquery()).label(
        "shared_data_version"
    )


def _changed_owners(session: Session) -> tuple[set[int], bool]:
    owners, shared_changed = set(), False
    for obj in (*session.new, *session.dirty, *session.deleted):
        model = type(obj)
        if model in _shared:
            shared_changed = True
        attribute = _owner_of.get(model)
        if attribute is not None:
            # The old owner too, should a row ever move; history never loads anything.
            history = db.inspect(obj).attrs[attribute].history
            found = {v for v in (*history.unchanged, *history.added, *history.deleted) if v}
            owners |= found
            # An owner not loaded (an expired row deleted): no way to name it, so everyone.
            shared_changed |= not found
    return owners, shared_changed


def _bump(connection, owners: set[int], shared_changed: bool) -> None:
    from .accounts.models import User

    version = new_version()
    if owners:
        connection.execute(
            update(User).where(User.id.in_(sorted(owners))).values(data_version=version)
        )
    if shared_changed:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(
            insert(DataVersion)
            .values(name=SHARED, version=version)
            .on_conflict_do_update(index_elements=["name"], set_={"version": version})
        )
    if has_request_context():
        # This request read the old versions when it began: from here on it must not be
        # served from a cache (it would not see its own change).
        g.data_changed = True


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    owners, shared_changed = _changed_owners(session)
    if owners or shared_changed:
        _bump(session.connection(), owners, shared_changed)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> None:
    """A bulk UPDATE, DELETE or INSERT names no rows to the flush: change the shared version
    (every client's caches go), as rare as imports and retention runs are."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in watched_tables():
        _bump(state.session.connection(), set(), True)


# Endpoints whose pages are kept under the clinic's version: the session's query brings it
# along for them (accounts/sessions.py), one statement instead of two.
_clinic_wide_endpoints: set[str] = set()


def clinic_wide(endpoint: str) -> None:
    """Declare a page kept under the clinic's version (portal/page_cache.py)."""
    _clinic_wide_endpoints.add(endpoint)


def needs_clinic_version(endpoint: str | None) -> bool:
    return endpoint in _clinic_wide_endpoints


def _clinic_sum():
    """The exact sum of the random account versions, and their count, as one text value.

    In two halves, as SQLite's integer sum would overflow past 2**63; as text, so it is one
    column (a scalar subquery for the session's query) on both databases. Any one change gives
    a new value but with odds of 2**-62, however many clients there are and in whatever order
    their transactions commit."""
    from .accounts.models import User

    high = func.coalesce(func.sum(User.data_version.op(">>")(literal_column("31"))), 0)
    low = func.coalesce(func.sum(User.data_version.op("&")(literal_column("2147483647"))), 0)
    # Literal operands above: PostgreSQL has `bigint >> integer`, not `>> bigint`.
    as_text = cast(high, String) + ":" + cast(low, String) + ":" + cast(func.count(), String)
    return select(as_text)


@cache
def _clinic_query():
    return _clinic_sum()


def clinic_version_column():
    """The clinic's version as a column for the session's query."""
    return _clinic_sum().scalar_subquery().label("clinic_data_version")


def clinic_version() -> str:
    """Return a version of every client's data at once, for a page about the whole clinic: the
    one the session's query read at the start of this request, or one scan of `users` (0.2 ms
    for 2,000 accounts on PostgreSQL)."""
    if has_request_context() and g.get("clinic_data_version") is not None:
        return g.clinic_data_version
    return db.session.connection().execute(_clinic_query()).scalar_one()
