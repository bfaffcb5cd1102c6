"""Place names and addresses as people type them: folding, parsing, house numbers, small typos.

Pure text helpers for the gazetteer (community/services/gazetteer.py); no Flask, no database.

- ``fold``: lower case, accents and punctuation gone, "St"/"St."/"Ste" spelled out: the words.
- ``compact``: the folded words without spaces, so a street written in two words
  ("kortrijkse steenweg", "sint baafsplein") meets the one-word name, and the common street
  type abbreviations ("Veldstr.", "Brugse Stwg", CRAB's own "...ln") meet the full word.
- ``parse``: street words, house number (box numbers dropped) and postcode, in any order.
- ``nearest_number``: the house number we know closest to the one asked (same side first).
- ``max_edits``: how many typing errors a word of this length may carry and still match.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

#: Whole-word abbreviations written out before matching ("St-Baafsplein", "St. Pietersnieuwstraat").
WORDS = {"st": "sint", "ste": "sinte"}
#: Street type abbreviations at the end of a name (compact form): typed or in the source (CRAB "...ln").
STREET_SUFFIXES = (("stwg", "steenweg"), ("stw", "steenweg"), ("str", "straat"), ("ln", "laan"),
                   ("pln", "plein"))
#: Words that announce a box number ("bus 3", "b 3", "bte 2"): the box is dropped, the house is kept.
BOX_WORDS = frozenset({"bus", "b", "bte", "boite", "box"})
NUMBER = re.compile(r"^(\d{1,5})([a-z]?)$")
POSTCODE = re.compile(r"^\d{4}$")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z]{3})(?=\d)|(?<=\d)(?=[a-z]{2})")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Folded words separated by one space: "St.-Baafsplein 2" -> "sint baafsplein 2"."""
    text = str(text)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.lower().replace("'", "")  # 't Stuk -> t stuk; l'Epée -> lepee
    words = _NOT_WORD.sub(" ", text).split()
    # "sint-baafsplein2" and "nr2" are one word typed together; "7a" stays one (a house number).
    words = [part for word in words for part in _LETTER_DIGIT.sub(" ", word).split()]
    return " ".join(WORDS.get(w, w) if len(words) > 1 else w for w in words)


def compact(text: str) -> str:
    """The folded words run together: the key streets, areas and places are matched on."""
    return fold(text).replace(" ", "")


def spellings(key: str) -> tuple[str, ...]:
    """A compact key and its street type abbreviation written out ("veldstr" -> "veldstraat")."""
    for short, full in STREET_SUFFIXES:
        if key.endswith(short) and len(key) > len(short) + 2:
            return key, key[: -len(short)] + full
    return (key,)


@dataclass(frozen=True)
class Parsed:
    words: tuple[str, ...]  # the folded words that are no number, in the order typed
    number: str = ""        # house number with its letter, lower case ("7a"), or ""
    postcode: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.words)


def parse(text: str, postcodes=frozenset()) -> Parsed:
    """Street (or place) words, house number and postcode from free text, in any order.

    A four-digit number that is one of ``postcodes`` is the postcode; the first other number is
    the house number, a single letter after it its suffix ("7 a"); a box number is dropped.
    """
    tokens = fold(text).split()
    words: list[str] = []
    number = postcode = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in BOX_WORDS and number and i + 1 < len(tokens) and len(tokens[i + 1]) <= 4:
            i += 2
            continue
        match = NUMBER.match(token)
        if match:
            if not postcode and POSTCODE.match(token) and token in postcodes:
                postcode = token
            elif not number:
                number = token
                following = tokens[i + 1] if i + 1 < len(tokens) else ""
                if not match.group(2) and len(following) == 1 and following.isalpha() and following not in BOX_WORDS:
                    number += following
                    i += 1
            # a second number ("2-4", a box without its word) is dropped
        else:
            words.append(token)
        i += 1
    return Parsed(tuple(words), number, postcode)


def number_parts(number: str) -> tuple[int, str]:
    match = NUMBER.match(number.lower())
    return (int(match.group(1)), match.group(2)) if match else (-1, number.lower())


def nearest_number(asked: str, numbers: list[str]) -> tuple[int, bool]:
    """(index in ``numbers`` of the number to use, whether it is the one asked).

    The same number, else the same number with(out) a letter (7 for 7B), else the nearest on
    the same side of the street (same parity, at most 20 numbers off), else the nearest.
    """
    wanted = asked.lower()
    for i, n in enumerate(numbers):
        if n.lower() == wanted:
            return i, True
    value, _letter = number_parts(wanted)
    parts = [number_parts(n) for n in numbers]
    if value < 0:
        return len(numbers) // 2, False
    same = [i for i, (v, letter) in enumerate(parts) if v == value]
    if same:
        return min(same, key=lambda i: (parts[i][1] != "", parts[i][1])), False
    known = [i for i, (v, _l) in enumerate(parts) if v >= 0]
    if not known:
        return len(numbers) // 2, False
    side = [i for i in known if parts[i][0] % 2 == value % 2 and abs(parts[i][0] - value) <= 20]
    return min(side or known, key=lambda i: (abs(parts[i][0] - value), parts[i][0])), False


def max_edits(key: str) -> int:
    """Typing errors (insert, delete, replace, swap) tolerated in a compact key of this length."""
    if len(key) < 5:
        return 0
    return 1 if len(key) < 9 else 2


class NameIndex:
    """Compact keys of names -> what they name (any object), looked up whole, by beginning, inside,
    and with small typing errors (rapidfuzz, optimal string alignment: a swap is one error)."""

    def __init__(self):
        self.by_key: dict[str, list] = defaultdict(list)
        self.words: list[tuple[str, object]] = []  # (folded name or part, target) for "begins with"

    def add(self, name: str, target, *, whole: bool = True) -> None:
        folded = fold(name)
        if len(folded.replace(" ", "")) < 3:
            return
        for key in spellings(folded.replace(" ", "")):
            if target not in self.by_key[key]:
                self.by_key[key].append(target)
        if whole:
            self.words.append((folded, target))

    def finish(self) -> None:
        self.keys = sorted(self.by_key)

    def exact(self, key: str) -> list:
        found: list = []
        for spelling in spellings(key):
            found += [t for t in self.by_key.get(spelling, ()) if t not in found]
        return found

    def beginning(self, key: str, folded: str) -> list:
        """Names whose words begin with the words typed, or whose compact key begins with the key."""
        found: list = []
        start = bisect_left(self.keys, key)
        for k in self.keys[start:start + 200]:
            if not k.startswith(key):
                break
            found += [t for t in self.by_key[k] if t not in found]
        if folded:
            found += [t for name, t in self.words if name.startswith(folded + " ") and t not in found]
        return found

    def inside(self, key: str) -> list:
        found: list = []
        if len(key) >= 4:
            for k in self.keys:
                if key in k:
                    found += [t for t in self.by_key[k] if t not in found]
        return found

    def typos(self, key: str) -> list[tuple[int, object]]:
        edits = max_edits(key)
        if not edits:
            return []
        hits = process.extract(key, self.keys, scorer=OSA.distance, score_cutoff=edits, limit=12)
        return [(int(distance), t) for k, distance, _i in hits for t in self.by_key[k]]
