"""Text tables as people save them: the one reader of encodings and delimiters for every CSV we take.

Spreadsheets in Flanders and Brussels save "CSV" as UTF-8 (often with a byte-order mark) or,
in older Excel on Windows, as Windows-1252; Belgian Excel writes ";" between fields because
the comma is the decimal sign. Both the geodata reader (geo.io) and the app's importers use
this module, so a file is read the same way wherever it is uploaded.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from .errors import GeoInputError

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t")
UTF8_BOM = b"\xef\xbb\xbf"


class NotText(GeoInputError):
    """The bytes are not a text table: binary content, or neither UTF-8 nor Windows-1252."""

    def __init__(self, problem: str, line: int | None = None):
        self.line = line
        super().__init__(problem)


@dataclass(frozen=True)
class Text:
    """Decoded text, the encoding it was in (for people) and the delimiter of its header line."""

    text: str
    encoding: str
    delimiter: str

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    @property
    def is_utf8(self) -> bool:
        return self.encoding.startswith("UTF-8")


def looks_binary(data: bytes) -> bool:
    """A NUL byte early on: a spreadsheet, an image or an archive, not text."""
    return b"\x00" in data[:4096]


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), else Windows-1252.

    Raises NotText (with the line of the first byte UTF-8 could not read) when neither fits.
    """
    try:
        return data.decode("utf-8-sig"), ("UTF-8 with BOM" if data.startswith(UTF8_BOM) else "UTF-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise NotText(f"line {line}: the file is neither UTF-8 nor Windows-1252 text; "
                      "save it as 'CSV UTF-8' and try again", line=line) from None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header line into the most columns: ",", ";" or a tab.

    Quotes are respected ('"naam; adres",lat' has two columns split by ","), and a tie goes
    to "," then ";" (a one-column file reads the same with any of them).
    """
    def columns(delimiter: str) -> int:
        return len(next(csv.reader([first_line], delimiter=delimiter), []))
    return max(DELIMITERS, key=columns)


def read_text(data: bytes) -> Text:
    """Decode ``data`` and find its delimiter; raises NotText for binary or undecodable bytes."""
    if looks_binary(data):
        raise NotText("this is not a text (CSV) file")
    text, encoding = decode(data)
    first_line = text.splitlines()[0] if text else ""
    return Text(text, encoding, sniff_delimiter(first_line))
