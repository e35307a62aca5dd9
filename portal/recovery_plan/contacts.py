"""Support contacts: who they are and the rules for a usable phone number."""

from dataclasses import dataclass

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..client_cache import cached
from ..extensions import db
from .models import SupportContact, phone_digits

MAX_CONTACTS = 10


def contacts_of(client) -> list[SupportContact]:
    """Return a client's support contacts in the order they chose (once per request)."""
    cache = g.setdefault("support_contacts", {})
    if client.id not in cache:
        cache[client.id] = _load_contacts(client)
    return cache[client.id]


@dataclass(frozen=True)
class ContactCard:
    """A support contact as the help panel shows it: plain data, fit for the page cache."""

    name: str
    relationship_: str
    phone: str
    tel: str


def crisis_contacts_of(client) -> tuple[ContactCard, ...]:
    """Return what the help panel (on every page) lists of a client's contacts."""
    return cached(
        client,
        "crisis_contacts",
        None,
        lambda: tuple(
            ContactCard(c.name, c.relationship_, c.phone, c.tel) for c in contacts_of(client)
        ),
    )


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
