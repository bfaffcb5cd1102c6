"""What every importer shares: problems, summaries, decoding and sniffing text tables."""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import text

from geo import text as text_tables
from geo.errors import GeoInputError
from geo.limits import check_file_lines, read_limited
from geo.text import looks_binary

from ..errors import Invalid
from ..extensions import db

MAX_PROBLEMS_SHOWN = 50


class ImportFailed(Invalid):
    """The file cannot be imported (422); nothing was written. `problems` are messages for people,
    each naming its row and column where known."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Problems:
    """Collects row/field problems, keeping the first MAX_PROBLEMS_SHOWN verbatim."""

    source: str
    items: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS_SHOWN:
            self.items.append(message)

    def __bool__(self) -> bool:
        return self.count > 0

    def raise_if_any(self) -> None:
        if self.count:
            messages = [f"{self.source}: {m}" for m in self.items]
            if self.count > len(self.items):
                messages.append(f"{self.source}: ... and {self.count - len(self.items)} more problems")
            raise ImportFailed(messages)


@dataclass
class ImportSummary:
    what: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        head = (f"{self.what}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")
        if self.dry_run:
            head += " (dry run: nothing was written)"
        return [head, *self.notes]


def refresh_statistics(summary: "ImportSummary") -> None:
    """After an import that wrote rows, let the query planner count them again (ANALYZE).

    PostgreSQL's autovacuum analyses a table only after a share of it changed and some time
    later; until then a freshly imported table plans as if it were empty: the /areas query took
    273 ms before and 7 ms after ANALYZE. SQLite never analyses by itself: without statistics it
    took the status index and sorted 50,000 rows for the HSDS pages. Part of the import's own
    transaction, so a failed or dry run leaves the statistics as they were.
    """
    if summary.dry_run or not (summary.created or summary.updated):
        return
    db.session.execute(text("ANALYZE"))


class Progress:
    """Progress reporting for long jobs; the CLI shows a bar, tests and web requests show nothing."""

    def start(self, total: int, label: str = "") -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


no_progress = Progress()


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """Comparison key for names: lower case, accents and extra spaces removed.

    Cached: an import compares the same organisation and place names on thousands of rows.
    """
    text = str(text)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in (geo.text, the one reader of text tables)."""
    try:
        return text_tables.decode(data)
    except text_tables.NotText as exc:
        raise ImportFailed([f"{path.name}: {exc.problems[0]}"]) from None


@dataclass
class TextTable:
    """A CSV file read lazily: header, delimiter, encoding and an iterator of (row_number, dict)."""

    path: Path
    header: list[str]
    delimiter: str
    encoding: str
    row_count: int
    _text: str

    def rows(self) -> Iterator[tuple[int, dict[str, str] | str]]:
        """Yield (row number, values) where row 1 is the first data row after the header.

        A row with more or fewer fields than the header yields a problem string instead.
        """
        reader = csv.reader(io.StringIO(self._text), delimiter=self.delimiter)
        next(reader, None)
        n = len(self.header)
        for number, values in enumerate(reader, start=1):
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) > n:
                yield number, f"row {number}: {len(values)} fields where the header has {n}"
                continue
            if len(values) < n:
                values = values + [""] * (n - len(values))
            yield number, {h: v.strip() for h, v in zip(self.header, values)}


def read_table(path: str | Path) -> TextTable:
    path = Path(path)
    if not path.exists():
        raise ImportFailed([f"{path}: no such file"])
    try:  # line length first: one 200 MB line must not be read whole
        check_file_lines(path, path.name)
        data = read_limited(path, path.name)
    except GeoInputError as exc:
        raise ImportFailed(exc.problems) from None
    if not data.strip():
        raise ImportFailed([f"{path.name}: the file is empty"])
    if looks_binary(data):
        raise ImportFailed([f"{path.name}: this is not a text (CSV) file"])
    text, encoding = decode(path, data)
    first_line = text.splitlines()[0] if text else ""
    delimiter = text_tables.sniff_delimiter(first_line)
    header = [h.strip() for h in next(csv.reader([first_line], delimiter=delimiter))]
    if not any(header):
        raise ImportFailed([f"{path.name}: the first line must name the columns"])
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise ImportFailed([f"{path.name}: column {d!r} appears more than once" for d in duplicates])
    row_count = max(text.count("\n") - (1 if text.endswith("\n") else 0), 0)
    return TextTable(path, header, delimiter, encoding, row_count, text)


def find_column(header: list[str], *names: str) -> str | None:
    """The header cell matching any of the names (case, spaces and accents ignored)."""
    keys = {key(h): h for h in header}
    for name in names:
        if key(name) in keys:
            return keys[key(name)]
    return None
