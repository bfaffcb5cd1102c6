"""geo.text: the one reader of text tables' encodings and delimiters (geodata and the app's importers)."""
from __future__ import annotations

import pytest

from geo.errors import GeoInputError
from geo.io import read_vector
from geo.text import NotText, decode, looks_binary, read_text, sniff_delimiter


@pytest.mark.parametrize("data, text, encoding", [
    ("naam;plaats\nCafé;Gent\n".encode("utf-8"), "naam;plaats\nCafé;Gent\n", "UTF-8"),
    (b"\xef\xbb\xbf" + "naam\nCafé\n".encode("utf-8"), "naam\nCafé\n", "UTF-8 with BOM"),
    ("naam\nCafé €\n".encode("cp1252"), "naam\nCafé €\n", "Windows-1252"),
])
def test_decodes_utf8_with_or_without_bom_else_windows_1252(data, text, encoding):
    assert decode(data) == (text, encoding)


def test_bytes_neither_encoding_reads_name_the_line():
    with pytest.raises(NotText) as info:
        decode(b"naam\nok\nDe Br\x81\x8dg\n")
    assert info.value.line == 3 and "line 3: the file is neither UTF-8 nor Windows-1252" in str(info.value)
    assert isinstance(info.value, GeoInputError)


@pytest.mark.parametrize("line, delimiter", [
    ("name,lat,lon", ","), ("naam;Breedtegraad;Lengtegraad", ";"), ("a\tb\tc", "\t"),
    ("naam;adres, nr;lat;lon", ";"),      # a comma inside a name: the split with most columns wins
    ('"naam; adres",lat,lon', ","),       # a quoted separator does not count
    ("one column", ","), ("a,b;c", ","), ("", ","),
])
def test_the_delimiter_is_the_one_that_splits_the_header_into_most_columns(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_binary_content_is_not_text():
    assert looks_binary(b"PK\x03\x04\x00\x00") and not looks_binary(b"a;b\n1;2\n")
    with pytest.raises(NotText) as info:
        read_text(b"PK\x03\x04\x00\x00")
    assert info.value.line is None
    found = read_text("x;y\n1;2\n".encode("cp1252"))
    assert (found.delimiter, found.encoding, found.first_line, found.is_utf8) == (";", "UTF-8", "x;y", True)


def test_a_points_csv_neither_utf8_nor_windows_1252_is_refused_with_its_line(tmp_path):
    path = tmp_path / "punten.csv"
    path.write_bytes(b"naam;lat;lon\nDe Br\x81\x8dg;51,05;3,72\n")
    with pytest.raises(GeoInputError) as info:
        read_vector(path)
    assert str(info.value) == ("punten.csv, line 2: the file is neither UTF-8 nor Windows-1252 text; "
                               "save it as 'CSV UTF-8' and try again")

