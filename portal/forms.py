"""Pieces shared by every feature's forms."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# Control characters (NUL above all) have no place in anything a person types, and PostgreSQL
# refuses NUL outright; catching them here turns a would-be 500 into a message by the field.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BIGGEST = 2**31 - 1


def strip(value):
    """Trim text and turn a missing field into an empty string, so views never see None."""
    return (value or "").strip()


def clean_query(value: str | None, limit: int = 100) -> str:
    """Make a search term safe to hand to the database: no control characters, not too long."""
    return CONTROL.sub("", value or "")[:limit].strip()


class Form(FlaskForm):
    """A form that refuses control characters in any text field, with a message by the field."""

    def validate(self, extra_validators=None):
        # A 400-digit number parses as an int, then WTForms' NumberRange turns it into a float
        # and overflows: no field of ours holds more than a database integer, so refuse it here.
        too_big = [
            f for f in self if isinstance(f.data, int) and not -BIGGEST <= f.data <= BIGGEST
        ]
        for field in too_big:
            field.data = None
        ok = super().validate(extra_validators)
        for field in too_big:
            field.errors = [*list(field.errors), _l("Enter a smaller number.")]
            ok = False
        for field in self:
            if isinstance(field.data, str) and CONTROL.search(field.data):
                field.errors = [*list(field.errors), _l("Remove the unusual characters.")]
                ok = False
        return ok
