"""The one idempotency protocol for what a phone may send twice (check-ins, homework drafts).

After the IETF Idempotency-Key draft: the phone names each submission with a key (the
`Idempotency-Key` header, or the form's hidden `idempotency_key`). The key's row is written in
the same transaction as what the submission changed, so there is no "in flight" state to wait
out or to be left behind by a request that died: a replay of the same key and body finds the
row and gets the first answer again; the same key with another body is refused; two copies of
one request racing are settled by the key's unique index, the loser rolling back and replaying.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from flask import request
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import UTCDateTime, utcnow

KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Two racing writers of one key: one wins, the other replays. A third attempt only happens when
# another key's save created the same row a moment before (a check-in for the same day).
ATTEMPTS = 3


class IdempotencyKey(db.Model):
    """One row per submission key: who sent what, what it did, and the row it left."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10))
    # The check-in or answer the first request left; not a foreign key, since a scope decides
    # which table it names.
    result_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Result:
    """What a submission did: its `outcome` ("conflict" for a reused key), the row it left,
    and whether this was a replay of an earlier request."""

    outcome: str
    result_id: int | None = None
    replay: bool = False


def request_key(form_key: str | None) -> str | None:
    """Return the submission's key (header first, then the form's), a fresh one if it has none,
    or None when the one it carries is malformed."""
    key = request.headers.get("Idempotency-Key") or form_key or uuid4().hex
    return key if KEY.match(key) else None


def body_hash(form) -> str:
    """Hash the submitted fields in a stable order; the CSRF token and the key itself are left
    out, since a replay from the outbox may carry a newer token."""
    h = hashlib.sha256()
    for name in sorted(form.keys()):
        if name in ("csrf_token", "idempotency_key"):
            continue
        for value in form.getlist(name):
            h.update(f"{name}\x1f{value}\x1e".encode())
    return h.hexdigest()


def earlier(key: str, scope: str, owner_id: int, digest: str) -> Result | None:
    """Judge a key seen before: the first answer again, or "conflict" when it came with another
    body, another owner or another kind of submission. None for a fresh key."""
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
    if row is None:
        return None
    if (row.scope, row.owner_id, row.body_hash) != (scope, owner_id, digest):
        return Result("conflict")
    return Result(row.outcome, row.result_id, replay=True)


def once(
    key: str,
    scope: str,
    owner_id: int,
    digest: str,
    effect: Callable[[], tuple[str, int | None]],
    *,
    now: datetime,
) -> Result:
    """Run `effect` exactly once per key and commit it with the key's row.

    `effect` makes its changes in the session without committing and returns its outcome and
    the id of the row it left; it may run again after a rollback, so it must read what it
    needs afresh each time.
    """
    for _ in range(ATTEMPTS):
        seen = earlier(key, scope, owner_id, digest)
        if seen is not None:
            return seen
        try:
            outcome, result_id = effect()
            db.session.add(
                IdempotencyKey(
                    key=key,
                    scope=scope,
                    owner_id=owner_id,
                    body_hash=digest,
                    outcome=outcome,
                    result_id=result_id,
                    created_at=now,
                )
            )
            db.session.commit()
            return Result(outcome, result_id)
        except IntegrityError:
            db.session.rollback()
    seen = earlier(key, scope, owner_id, digest)
    if seen is None:
        raise RuntimeError(f"could not save submission {scope} after {ATTEMPTS} attempts")
    return seen
