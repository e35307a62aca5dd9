"""What a consent says (42 CFR 2.31(a)) and the notice every disclosure carries (42 CFR 2.32)."""

from datetime import date

from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _

from ..dates import hour_of
from .models import ConsentGrant


def long_date(day: date) -> str:
    """The one date format of consent text: long and in the reader's language."""
    return format_date(day, "long")


def revocation_sentence() -> str:
    return _(
        "I can take back (revoke) this consent at any time, in writing, here in the app. "
        "Taking it back does not undo what was already shared because of it."
    )


def treatment_sentence(discloser: str) -> str:
    return _(
        "%(discloser)s is a substance-use treatment program. The information shared shows "
        "that I receive substance-use treatment there.",
        discloser=discloser,
    )


def not_signing_sentence() -> str:
    return _("I do not have to sign this. If I do not sign, nothing changes in my care.")


def disclosure_notice() -> str:
    """The notice 42 CFR 2.32(a)(1) requires with each disclosure made with consent."""
    return _(
        "This record which has been disclosed to you is protected by federal confidentiality "
        "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
        "or testimony that describes the information contained in this record, in any civil, "
        "criminal, administrative, or legislative proceedings by any Federal, State, or local "
        "authority, against the patient, unless authorized by the consent of the patient, "
        "except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with "
        "42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any other "
        "use or disclosure of this record unless at least one of the following applies: "
        "(i) Further use or disclosure is expressly permitted by the written consent of the "
        "individual whose information is being disclosed in this record or as otherwise "
        "permitted by 42 CFR part 2. (ii) You are a covered entity or business associate and "
        "have received the record for treatment, payment, or health care operations, or "
        "(iii) You have received the record from a covered entity or business associate as "
        "permitted by 45 CFR part 164, subparts A and E. A general authorization for the "
        "release of medical or other information is NOT sufficient to meet the required "
        "elements of written consent to further use or redisclose the record (see 42 CFR 2.31)."
    )


def _signed_line(grant: ConsentGrant, zone) -> str:
    signed = grant.signed_at.astimezone(zone)
    when = {
        "date": long_date(signed.date()),
        "time": format_time(signed.replace(tzinfo=None), "short", rebase=False),
    }
    hour = hour_of(when["time"])
    if grant.representative_name:
        return ngettext(
            "Signed for %(client)s by %(signature)s (%(relationship)s, authorized to sign for "
            "them), on %(date)s at %(time)s.",
            "Signed for %(client)s by %(signature)s (%(relationship)s, authorized to sign for "
            "them), on %(date)s at %(time)s.",
            hour,
            client=grant.client_name,
            signature=grant.signature,
            relationship=grant.representative_relationship,
            **when,
        )
    return ngettext(
        "Signed: %(signature)s, on %(date)s at %(time)s.",
        "Signed: %(signature)s, on %(date)s at %(time)s.",
        hour,
        signature=grant.signature,
        **when,
    )


def consent_text(grant: ConsentGrant, zone) -> str:
    """Write out the consent with every element section 2.31(a) asks for."""
    lines = [
        _("Consent to share information"),
        _(
            "I, %(client)s, allow %(discloser)s to share %(what)s with %(recipient)s "
            "(%(relationship)s, %(email)s).",
            client=grant.client_name,
            discloser=grant.discloser,
            what=grant.disclosed,
            recipient=grant.recipient_name,
            relationship=grant.recipient_relationship,
            email=grant.recipient_email,
        ),
        treatment_sentence(grant.discloser),
        _(
            "Nothing else is shared: no check-ins, homework, other sessions, attendance, progress, "
            "diagnosis, treatment plan or staff notes."
        ),
        _("Purpose: %(purpose)s.", purpose=grant.purpose),
        revocation_sentence(),
        _("This consent ends %(expiry)s, unless I take it back sooner.", expiry=grant.expiry_text),
        not_signing_sentence(),
        _signed_line(grant, zone),
    ]
    return "\n\n".join(lines)


def same_name(typed: str, name: str) -> bool:
    """Compare a typed signature with a name, ignoring case and extra spaces."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def signature_problem(grant: ConsentGrant) -> str | None:
    """Say why the signature is not acceptable: it must be the signer's full name."""
    if grant.representative_name or grant.representative_relationship:
        if len(grant.representative_name.split()) < 2 or not grant.representative_relationship:
            return _("Give the full name of the person signing for the client, and who they are.")
        expected = grant.representative_name
    else:
        expected = grant.client_name
    if not same_name(grant.signature or "", expected):
        return _("Type the full name exactly as it is written: %(name)s.", name=expected)
    return None


def missing_elements(grant: ConsentGrant) -> list[str]:
    """Name each required element the consent (or its signed text) lacks."""
    fields = {
        "client name": grant.client_name,
        "who may disclose": grant.discloser,
        "what is disclosed": grant.disclosed,
        "recipient": grant.recipient_name,
        "purpose": grant.purpose,
        "expiry": grant.expiry_text,
        "signature": grant.signature,
    }
    missing = [name for name, value in fields.items() if not (value or "").strip()]
    if grant.signed_at is None or grant.expires_at is None:
        missing.append("date")
    if signature_problem(grant):
        missing.append("signature of the client or their representative")
    text = grant.text or ""
    for name, value in fields.items():
        if name not in missing and value.strip() not in text:
            missing.append(f"{name} in the text")
    sentences = {
        "right to revoke": revocation_sentence(),
        "that it reveals treatment": treatment_sentence(grant.discloser),
        "what happens if not signed": not_signing_sentence(),
    }
    missing += [name for name, sentence in sentences.items() if sentence not in text]
    return missing


def expiry_text(last_day: date) -> str:
    return _("at the end of the day on %(date)s", date=long_date(last_day))
