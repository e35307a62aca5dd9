"""Consent under 42 CFR Part 2: the model, its validity as of a given moment, and disclosures.

Below every feature: features import this package; it imports none of them."""
