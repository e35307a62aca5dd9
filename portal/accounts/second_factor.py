"""The second factor: an authenticator app (TOTP) and ten one-time recovery codes (passkeys are
in passkeys.py).

Rules take `now` from their caller. A code is accepted once: the step of the last accepted TOTP
code is stored and only a later step is taken, with one step of slack either side for a phone's
clock; the check-and-mark is one conditional UPDATE, so two processes cannot both accept it.
"""

import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from .models import Passkey, RecoveryCode, TotpFactor, User, UserSession

ISSUER = "Client portal"  # neutral on purpose: the authenticator app's list is seen by others
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper must not be misread.
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_TOTP_CODE = re.compile(r"^\d{6}$")


def normalize(code: str) -> str:
    """Drop the spaces and dashes people type inside codes, and case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def new_secret() -> str:
    """Return a fresh authenticator key (160 bits, base32, as apps expect)."""
    return pyotp.random_base32(32)


def confirmed_factor(user: User) -> TotpFactor | None:
    return db.session.scalar(select(TotpFactor).where(TotpFactor.user_id == user.id))


def provisioning_uri(secret: str, user: User) -> str:
    """Return the otpauth:// address the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """Draw the address as an inline SVG QR code (no image request, nothing for a CSP to block)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, omitsize=False)


def matching_step(secret: str, code: str, now) -> int | None:
    """Return the 30-second step a code belongs to, if it is within one step of now."""
    code = normalize(code)
    if not _TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_totp(factor: TotpFactor, code: str, now) -> bool:
    """Accept a code from the app once, within one step of now; mark its step as used."""
    step = matching_step(factor.secret, code, now)
    if step is None:
        return False
    marked = db.session.execute(
        update(TotpFactor)
        .where(
            TotpFactor.id == factor.id,
            or_(TotpFactor.last_step.is_(None), TotpFactor.last_step < step),
        )
        .values(last_step=step)
    )
    db.session.commit()
    return marked.rowcount == 1


def _hash(code: str) -> str:
    # The codes carry 50 random bits and are tried under the sign-in throttle; a plain hash
    # keeps them useless to a reader of the database without Argon2's cost ten times over.
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def issue_recovery_codes(user: User, now) -> list[str]:
    """Replace the person's recovery codes with ten new ones; return them to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash(c), created_at=now) for c in codes
    )
    db.session.commit()
    return codes


def use_recovery_code(user: User, code: str, now) -> bool:
    """Accept an unused recovery code once and mark it used."""
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    db.session.commit()
    return used.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def check_second_factor(user: User, code: str, now) -> bool:
    """Accept a code from the authenticator app or an unused recovery code."""
    factor = confirmed_factor(user)
    if factor is not None and check_totp(factor, code, now):
        return True
    return len(normalize(code)) == 10 and use_recovery_code(user, code, now)


def confirm_factor(user: User, secret: str, code: str, now) -> list[str] | None:
    """Keep a new authenticator once a code from it proves it works; it replaces any earlier one.

    Returns the new recovery codes, or None when the code is wrong. Every session of the person
    ends, because their way of proving who they are has changed; the caller starts a new one.
    """
    step = matching_step(secret, code, now)
    if step is None:
        return None
    db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    db.session.add(TotpFactor(user_id=user.id, secret=secret, created_at=now, last_step=step))
    user.second_factor_at = now
    end_all_sessions(user)
    return issue_recovery_codes(user, now)


def remove_factors(user: User) -> None:
    """Take away every second factor and recovery code, and end every session of the person."""
    db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    db.session.execute(delete(Passkey).where(Passkey.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.second_factor_at = None
    end_all_sessions(user)


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()
