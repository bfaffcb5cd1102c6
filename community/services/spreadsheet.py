"""The one set of rules for every CSV file we write (listings, activity log, coverage review).

- A field is quoted when it holds a separator, a double quote (doubled inside) or a line break
  (CR or LF), as RFC 4180 says. "A separator" is any of `,`, `;` and tab, whichever the file
  uses: a spreadsheet set to Dutch or French splits a `,` file at `;` too, and would then run
  the `=1+1` of an unquoted `Soep;=1+1;x` as a formula; quoted, it stays one cell.
- Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a CR) gets a
  leading apostrophe (OWASP's advice on CSV injection); numbers pass as they are.
- Rows end in CRLF; None is an empty cell.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LINE_END = "\r\n"
SEPARATORS = (",", ";", "\t")
NEEDS_QUOTES = re.compile(r'[,;\t"\r\n]')


def csv_safe(value):
    """A value for a CSV cell; numbers pass as they are, risky text is neutralised (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def cell(value) -> str:
    """One field as written: empty for None, the formula guard on text, quoted where needed."""
    if value is None:
        return ""
    text = str(csv_safe(value))
    if NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter:
    """Writes a header and rows to an open text file (opened with newline="") by the rules above."""

    def __init__(self, handle, delimiter: str = ","):
        if delimiter not in SEPARATORS:
            raise ValueError(f"{delimiter!r} is not one of the CSV separators {SEPARATORS!r}")
        self._handle = handle
        self._delimiter = delimiter

    def header(self, names: Iterable[str]) -> None:
        self.row(names)

    def row(self, cells: Iterable) -> None:
        self._handle.write(self._delimiter.join(cell(value) for value in cells) + LINE_END)


def csv_text(header: Iterable[str], rows: Iterable[Iterable], delimiter: str = ",") -> str:
    """A whole CSV file as text."""
    out = io.StringIO(newline="")
    writer = CsvWriter(out, delimiter)
    writer.header(header)
    for cells in rows:
        writer.row(cells)
    return out.getvalue()


def records_csv(records: list[dict], delimiter: str = ",") -> str:
    """A list of dicts with the same keys as CSV, the keys of the first as header; empty for none."""
    if not records:
        return ""
    names = list(records[0])
    return csv_text(names, ([record.get(name) for name in names] for record in records), delimiter)
