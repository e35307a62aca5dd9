"""The one idempotency protocol for what a phone may send twice (check-ins, homework drafts).

After the IETF Idempotency-Key draft: the phone names each submission with a key (the
`Idempotency-Key` header, or the form's hidden `idempotency_key`); the feature stores the key
with a hash of the body; a replay of the same key and body gets the first answer, the same key
with another body is refused (422). Each feature keeps its own table of keys."""

import hashlib
import re
from uuid import uuid4

from flask import request

KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


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
