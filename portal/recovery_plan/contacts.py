"""Support contacts: who they are and the rules for a usable phone number."""

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from .models import SupportContact, phone_digits

MAX_CONTACTS = 10


def contacts_of(client) -> list[SupportContact]:
    """Return a client's support contacts in the order they chose (once per request)."""
    cache = g.setdefault("support_contacts", {})
    if client.id not in cache:
        cache[client.id] = _load_contacts(client)
    return cache[client.id]


def _load_contacts(client) -> list[SupportContact]:
    return list(
        db.session.scalars(
            select(SupportContact)
            .where(SupportContact.client_id == client.id)
            .order_by(SupportContact.position, SupportContact.id)
        )
    )


def phone_problem(phone: str):
    """Return why a phone number cannot be dialled, or None if it can."""
    allowed = set("0123456789+-(). ")
    if any(ch not in allowed for ch in phone):
        return _l("Use only digits, spaces, and + - ( ) .")
    digits = phone_digits(phone).lstrip("+")
    if not 3 <= len(digits) <= 15:
        return _l("Enter a phone number with 3 to 15 digits.")
    return None


def add_contact(client, name: str, relationship: str, phone: str) -> SupportContact:
    """Add a support contact at the end of a client's list."""
    count = db.session.scalar(
        select(func.count())
        .select_from(SupportContact)
        .where(SupportContact.client_id == client.id)
    )
    contact = SupportContact(
        client_id=client.id,
        name=name.strip(),
        relationship_=relationship.strip(),
        phone=phone.strip(),
        position=count,
    )
    db.session.add(contact)
    db.session.commit()
    g.pop("support_contacts", None)
    return contact
