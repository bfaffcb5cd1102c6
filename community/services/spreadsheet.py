"""CSV cells that spreadsheets will not run: text starting with = + - @ gets a leading quote."""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A value for a CSV cell; numbers pass as they are, risky text is neutralised (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
