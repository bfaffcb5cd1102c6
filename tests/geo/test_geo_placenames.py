"""geo.placenames: folding, parsing and house numbers as people type them."""
from __future__ import annotations

import pytest

from geo.placenames import compact, fold, max_edits, nearest_number, parse, spellings


@pytest.mark.parametrize("typed, folded", [
    ("St.-Baafsplein", "sint baafsplein"), ("ST BAAFSPLEIN", "sint baafsplein"), ("Sint-Baafsplein", "sint baafsplein"),
    ("Maïsstraat", "maisstraat"), ("'t Stuk", "t stuk"), ("Charles de l'Epéeplein", "charles de lepeeplein"),
    ("sint-baafsplein2", "sint baafsplein 2"), ("E3-plein", "e3 plein"), ("st", "st"),
])
def test_fold(typed, folded):
    assert fold(typed) == folded


def test_compact_meets_names_written_apart_and_abbreviated():
    assert compact("kortrijkse steenweg") == compact("Kortrijksesteenweg")
    assert compact("sint baafsplein") == compact("St-Baafsplein")
    assert "veldstraat" in spellings(compact("Veldstr."))
    assert "brugsesteenweg" in spellings(compact("Brugse Stwg"))
    assert "courtebournelaan" in spellings("courtebourneln")[-1]


@pytest.mark.parametrize("typed, words, number, postcode", [
    ("Sint-Baafsplein 2, 9000 Gent", ("sint", "baafsplein", "gent"), "2", "9000"),
    ("9000 Gent Sint-Baafsplein 2", ("gent", "sint", "baafsplein"), "2", "9000"),
    ("Veldstraat 7 a", ("veldstraat",), "7a", ""),
    ("Veldstraat 7A bus 3", ("veldstraat",), "7a", ""),
    ("Veldstraat 12-14", ("veldstraat",), "12", ""),
    ("Kortrijksesteenweg 1000", ("kortrijksesteenweg",), "1000", ""),  # no postcode of ours: a number
    ("E3-plein 4", ("e3", "plein"), "4", ""),
    ("9000", (), "", "9000"),
])
def test_parse(typed, words, number, postcode):
    parsed = parse(typed, {"9000", "9050"})
    assert (parsed.words, parsed.number, parsed.postcode) == (words, number, postcode)


def test_nearest_number():
    numbers = ["2", "4", "5", "7", "8", "62"]
    assert nearest_number("5", numbers) == (2, True)
    assert nearest_number("3", numbers) == (2, False)     # 5: same side, although 2 and 4 are as near
    assert nearest_number("40", numbers) == (5, False)    # no even one within 20: the nearest, 62 (8 is 32 away)
    assert nearest_number("7b", ["6", "7", "7A"]) == (1, False)  # the house without the letter
    assert nearest_number("7a", ["6", "7", "7A"]) == (2, True)


def test_typos_allowed_grow_with_length():
    assert [max_edits("x" * n) for n in (3, 4, 5, 8, 9, 20)] == [0, 0, 1, 1, 2, 2]
