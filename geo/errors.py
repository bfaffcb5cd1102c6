"""Error type for geodata that a user supplied and that cannot be used as it is."""

from __future__ import annotations

from collections.abc import Iterable


class GeoInputError(ValueError):
    """Bad geodata input; ``problems`` holds one human-readable message per problem.

    A ValueError subclass so callers that only know "bad value" still catch it.
    Each message names the file, row or field where that is known, so the app
    can show the list to the person who uploaded the file as it is.
    """

    def __init__(self, problems: str | Iterable[str]):
        if isinstance(problems, str):
            problems = [problems]
        self.problems: list[str] = [str(p) for p in problems]
        super().__init__(*self.problems)

    def __str__(self) -> str:
        # One problem per line: several messages themselves contain "; ".
        return "\n".join(self.problems)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.problems!r})"
