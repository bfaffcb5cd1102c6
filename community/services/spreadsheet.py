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
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from geo.text import UTF8_BOM

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


# ---------------------------------------------------------------- files people open in a spreadsheet
#
# Three formats of one table (columns with a machine code and a label in the reader's language):
# - "xlsx": a workbook (openpyxl); numbers are numbers, the header holds the labels, a second sheet
#   ("columns") the machine code of every column;
# - "csv": for a spreadsheet in the reader's language: UTF-8 with a byte-order mark (Excel reads
#   the accents and dashes right), the locale's decimal sign, and ";" between fields where the
#   decimal sign is a comma (Belgian Excel: nl and fr), "," elsewhere; the labels, then the codes;
# - "csv-plain": for programs: ",", decimal point, no byte-order mark, the codes as the only header.
# A count too small to publish is never text in a number column: the exporter leaves the number
# empty and says why in a flag column of its own (see disclosure.split_small).

SPREADSHEET_FORMATS = ("xlsx", "csv", "csv-plain")
FORMAT_LABELS = {"xlsx": _l("Excel workbook (.xlsx)"),
                 "csv": _l("CSV for a spreadsheet in your language (Excel, LibreOffice)"),
                 "csv-plain": _l("CSV for programs (comma between fields, decimal point)")}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    code: str
    label: str


def _decimal_sign() -> str:
    from babel.numbers import get_decimal_symbol
    from flask_babel import get_locale
    return get_decimal_symbol(get_locale() or "en")


def _localised(value, sign: str):
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    return repr(value).replace(".", sign) if sign != "." else value


def table_file(fmt: str, columns: list[Column], rows: Iterable[Iterable], title: str) -> tuple[bytes, str, str]:
    """(the file's bytes, its Content-Type, its file name extension) for one of SPREADSHEET_FORMATS."""
    if fmt == "xlsx":
        return _xlsx(columns, rows, title), XLSX_TYPE, "xlsx"
    if fmt == "csv-plain":
        return csv_text([c.code for c in columns], rows).encode("utf-8"), "text/csv; charset=utf-8", "csv"
    if fmt != "csv":
        raise ValueError(f"{fmt!r} is not one of {SPREADSHEET_FORMATS!r}")
    sign = _decimal_sign()
    out = io.StringIO(newline="")
    writer = CsvWriter(out, ";" if sign == "," else ",")
    writer.header([str(c.label) for c in columns])
    writer.row([c.code for c in columns])
    for cells in rows:
        writer.row([_localised(value, sign) for value in cells])
    return UTF8_BOM + out.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "csv"


def _xlsx(columns: list[Column], rows: Iterable[Iterable], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "data")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value, font=None):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula
        if font is not None:
            cell.font = font
        return cell
    sheet.append([text_cell(str(c.label), bold) for c in columns])
    for cells in rows:
        sheet.append([text_cell(value) if isinstance(value, str) else value for value in cells])
    legend = book.create_sheet("columns")
    legend.append([text_cell("code", bold), text_cell("label", bold)])
    for c in columns:
        legend.append([text_cell(c.code), text_cell(str(c.label))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
