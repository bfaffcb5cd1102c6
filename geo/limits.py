"""Limits on what a user-supplied file may hold, checked before (or instead of) reading it whole.

Without them a single 200 MB CSV line took 1.4 GB of memory before the csv module gave up with
a traceback, a GeoJSON nested 100,000 deep raised RecursionError, and a zip that unpacks to
2 GiB was read for 44 s. Every limit is far above what real files need (the largest Flemish
district has 395 vertices, a municipality 666; a CSV line holds a few thousand characters), and
every refusal is a GeoInputError that names the file and, where there is one, the line or
feature.
"""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
import shapely

from .errors import GeoInputError

MAX_LINE_BYTES = 1_000_000          # one line of a CSV file
MAX_JSON_DEPTH = 64                 # GeoJSON nests 5 deep (a MultiPolygon's coordinates)
MAX_UNPACKED_BYTES = 512 * 1024**2  # all members of a zip together, or a .gz file unpacked
MAX_VERTICES = 100_000              # the points of one feature's geometry

_CHUNK = 1024 * 1024
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _size(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB" if n >= 1024**2 else f"{n:,} bytes"


def check_lines(stream: BinaryIO, name: str, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse a file with a line longer than `limit` bytes; reads at most `limit` bytes at once."""
    number = 0
    while True:
        line = stream.readline(limit + 2)
        if not line:
            return
        number += 1
        if len(line.rstrip(b"\r\n")) > limit:
            raise GeoInputError(f"{name}: line {number} is longer than {_size(limit)} "
                                "(is it really a CSV file, with line breaks between the rows?)")


def read_limited(path: Path, name: str, limit: int = MAX_UNPACKED_BYTES) -> bytes:
    """The bytes of a file (a .gz unpacked), refused when there are more than `limit` of them."""
    if path.suffix.lower() == ".gz":
        opener = gzip.open
    else:
        if path.stat().st_size > limit:
            raise GeoInputError(f"{name} is {_size(path.stat().st_size)}; at most {_size(limit)}")
        opener = open
    parts, total = [], 0
    try:
        with opener(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise GeoInputError(f"{name} unpacks to more than {_size(limit)}; at most {_size(limit)}")
                parts.append(chunk)
    except (OSError, EOFError):
        raise GeoInputError(f"{name}: not a readable gzip file") from None
    return b"".join(parts)


def check_file_lines(path: Path, name: str, limit: int = MAX_LINE_BYTES) -> None:
    """check_lines over a file on disk (a .gz one unpacked as it is read)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            check_lines(stream, name, limit)
    except (OSError, EOFError):
        raise GeoInputError(f"{name}: not a readable gzip file") from None


def check_zip(archive: zipfile.ZipFile, name: str, limit: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a zip whose members unpack to more than `limit` bytes together (a zip bomb)."""
    total = sum(info.file_size for info in archive.infolist())
    if total > limit:
        raise GeoInputError(f"{name} would unpack to {_size(total)}; at most {_size(limit)} "
                            "(send only the files that belong to the layer)")


def check_json_depth(text: str, name: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` ([[[...]]]), before a parser recurses into it.

    Brackets inside strings do not count: the pattern takes strings whole.
    """
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                raise GeoInputError(f"{name}: line {line}: nested more than {limit} deep; "
                                    "a GeoJSON file needs 5 levels at most")
        elif token in "]}":
            depth -= 1


def check_json_text(text: str, name: str) -> None:
    """check_json_depth, and no NUL character in a string (GDAL cut the text off there)."""
    check_json_depth(text, name)
    at = text.find("\\u0000")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise GeoInputError(f"{name}: line {line}: a text holds a NUL character (\\u0000), which no field may hold")


def check_vertices(geometries, numbers, name: str, word: str = "feature",
                   limit: int = MAX_VERTICES) -> None:
    """Refuse features whose geometry has more than `limit` points (simplify them first)."""
    counts = shapely.get_num_coordinates(np.asarray(geometries))
    over = np.flatnonzero(counts > limit)
    if len(over):
        shown = ", ".join(f"{word} {numbers[i]} ({counts[i]:,} vertices)" for i in over[:5])
        more = f" and {len(over) - 5} more" if len(over) > 5 else ""
        raise GeoInputError(f"{name}: {shown}{more}: at most {limit:,} vertices per {word}; "
                            "simplify the boundaries first (for example with ogr2ogr -simplify)")
