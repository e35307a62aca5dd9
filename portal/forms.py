"""Small pieces shared by every feature's forms."""


def strip(value):
    """Trim text and turn a missing field into an empty string, so views never see None."""
    return (value or "").strip()
