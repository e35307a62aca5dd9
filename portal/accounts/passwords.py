"""The password rules (ASVS 6.2): long enough, long allowed, no composition rules, not common."""

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
_hasher = PasswordHasher()
# Checked when an account does not exist, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


@cache
def common_passwords() -> frozenset[str]:
    """Load the list of common passwords (from Django's list, those of 8+ characters)."""
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def _squeezed(text: str) -> str:
    """Lower-case a text and drop its spaces, dots, dashes and underscores."""
    return "".join(c for c in text.lower() if c.isalnum())


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Return why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    # "password  " and " Password1" are as guessable as the common words they pad.
    trimmed = " ".join(password.split()).lower()
    if trimmed in common_passwords() or password.lower() in common_passwords():
        return _l(
            "This password is too common and easy to guess. Try a few words that mean "
            "something to you."
        )
    squeezed = _squeezed(password)
    own = {_squeezed(email), _squeezed(email.partition("@")[0]), _squeezed(name)} - {""}
    if squeezed in own or any(
        len(o) >= 4 and o in squeezed and len(squeezed) - len(o) < 4 for o in own
    ):
        return _l("Do not use your own name or email. Try a few words that mean something to you.")
    return None


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def spend_password_time() -> None:
    """Do one password's worth of Argon2 work for a request that turned out to need none.

    A dead setup link or invitation answers at once otherwise, while a live one hashes the
    new password: the same work keeps the two from being told apart by their timing.
    """
    check_password(None, "")


def check_password(password_hash: str | None, password: str) -> bool:
    """Tell whether a password matches; spend the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
