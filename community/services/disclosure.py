"""Small-number protection: counts below 5 are shown as 'fewer than 5' beyond a worker's own team."""
from __future__ import annotations

from flask_babel import gettext

THRESHOLD = 5


def is_small(count: int | None) -> bool:
    return count is not None and 0 < count < THRESHOLD


def protected_count(count: int | None) -> str:
    """Text for a count shown outside the worker's own team (municipal views, public pages, exports)."""
    if count is None:
        return gettext("no data")
    if is_small(count):
        return gettext("fewer than %(n)s", n=THRESHOLD)
    return str(count)


def protected_value(count: int | None) -> int | str | None:
    """For CSV/GeoJSON exports: the number itself, or the text '<5' for a small count."""
    if count is None:
        return None
    return f"<{THRESHOLD}" if is_small(count) else count


def split_small(count: int | None) -> tuple[int | None, str | None]:
    """For spreadsheet exports, a count as a number column and a flag column: (the count, None),
    or (None, '<5') for a small count, so no text ever stands in a column of numbers."""
    if is_small(count):
        return None, f"<{THRESHOLD}"
    return count, None
