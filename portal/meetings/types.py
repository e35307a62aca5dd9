"""Readable names of the Meeting Guide type codes (Code for Recovery's list, plus ONL)."""

import json
from pathlib import Path

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from .models import HYBRID, IN_PERSON, ONLINE

# One table of names for every code: Code for Recovery's list (code4recovery/spec,
# data/types.json at 404117ad), English and Spanish, plus ONL, which real feeds send though the
# list dropped it. A code missing here is kept on the meeting but never shown raw.
TYPE_TABLE = json.loads((Path(__file__).with_name("type_names.json")).read_text("utf-8"))

# The types a client can search by, most asked-for first; languages at the end.
SEARCH_TYPES = [
    "O",
    "C",
    "BE",
    "DD",
    "POA",
    "D",
    "SP",
    "ST",
    "B",
    "W",
    "M",
    "Y",
    "LGBTQ",
    "X",
    "ASL",
    "EN",
    "S",
    "FR",
]

SPANISH = "S"  # Meeting Guide's code for a meeting held in Spanish

MODE_NAMES = {
    IN_PERSON: _l("In person"),
    ONLINE: _l("Online"),
    HYBRID: _l("In person and online"),
}


_BY_UPPER = {code.upper(): code for code in TYPE_TABLE}


def canonical_code(code: str) -> str:
    """Spell a known code as the table does ("onl" is ONL, "12X12" is 12x12); others as given."""
    return _BY_UPPER.get(code.upper(), code)


def type_name(code: str) -> str | None:
    """Return a type code's name in the reader's language, or None for a code not in the table."""
    names = TYPE_TABLE.get(code)
    if names is None:
        return None
    locale = get_locale()
    return names.get(locale.language if locale else "en") or names["en"]


# Types about the room, meaningless when nobody meets in person (TSML UI's in_person_types).
IN_PERSON_TYPES = {"BA", "BRK", "CAN", "CF", "AL-AN", "AL", "FF", "OUT", "SM", "X", "XB"}


def type_names(codes: list[str], in_person: bool = True) -> list[str]:
    """Return the names of the codes that have one, in order; unknown codes are left out.

    ONL is said by "How" already; an online-only meeting drops the room's types.
    """
    shown = [c for c in codes if c != "ONL" and (in_person or c not in IN_PERSON_TYPES)]
    # The language a meeting is held in decides whether a person can follow it: say it first.
    shown.sort(key=lambda c: c != SPANISH)
    return [name for name in map(type_name, shown) if name]


def lazy_type_name(code: str) -> LazyString:
    """Return a type code's name, looked up when shown, for form choices made at import time."""
    return LazyString(type_name, code)
