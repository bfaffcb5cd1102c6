"""Benchmark `near` resolution: the gazetteer against the exact look-up it replaced, on typed queries.

    PYTHONPATH=. python bench/gazetteer.py                  # 1,000 queries, seed 13
    PYTHONPATH=. python bench/gazetteer.py --queries 1000 --seed 13 --peer-rev 2df74b9

Data: the demo (Ghent's 25 wijken, the municipality and the 93,661 real CRAB address points of
shared/data/ghent/addresses.csv, as `flask load-demo` loads them) in a SQLite file, made once and
kept in $TMPDIR/buurtkracht-bench/gazetteer-demo.db.

Queries (fixed seed), generated from the address points as people type them:
- address: a random address point, "Street N", then each of these with probability 1/3:
  lower case, accents dropped, "Sint-" as "St-"/"St."/"st ", the street type written apart
  ("Kortrijkse steenweg"), ", 9000 Gent" / " 9000" / " Gent" after it or "9000 Gent " before it;
- typo: as address, with one typing error in the street name (swap, drop, double or replace a
  letter, never the first), streets of 6 letters or more;
- missing number: a street with a number that is not in the data (a gap or past the end);
- street: a street name without number, noised as above;
- neighbourhood: a wijk by full name, by a part between " - ", lower case or without accents;
- postcode: one of the ten postcodes, alone or with "Gent".

Intended place: the address point's street and postcode (any number for a missing one), the wijk,
the postcode. Outcomes: *resolved* (to the intended place), *choice* (the intended place is among
the choices offered: the right answer for a street in several postcodes typed without postcode),
*alternative* (another place, with the intended one offered under "not what you meant?": a street
named like the wijk it lies in, "Sluizeken", is the wijk by rule), *wrong* (another place),
*not found* (400). The peer is `resolve_near` of community/services/
geocoding.py at --peer-rev (main before the gazetteer), loaded from git into this process; it
counts a silent pick of the right postcode as resolved.

Timing: time.perf_counter_ns around each call, in process (an app and request context open),
after one warm-up call per method that builds what it caches (the gazetteer's look-up data: time
shown apart). The queries run in the same order for both methods.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADDRESSES = ROOT.parent / "shared" / "data" / "ghent" / "addresses.csv"
WORKDIR = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "buurtkracht-bench"
KINDS = ("address", "typo", "missing number", "street", "neighbourhood", "postcode")
SPLIT_SUFFIXES = ("steenweg", "straat", "laan", "plein", "dreef", "kaai")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _noise(rng: random.Random, street: str) -> str:
    if rng.random() < 1 / 3 and street.startswith("Sint-"):
        street = rng.choice(("St-", "St.", "st ", "St. ")) + street[5:]
    if rng.random() < 1 / 3:
        for suffix in SPLIT_SUFFIXES:
            if street.lower().endswith(suffix) and len(street) > len(suffix) + 3:
                street = street[: -len(suffix)] + " " + suffix
                break
    if rng.random() < 1 / 3:
        street = _strip_accents(street)
    if rng.random() < 1 / 3:
        street = street.lower()
    return street


def _where(rng: random.Random, text: str, postcode: str) -> str:
    if rng.random() >= 1 / 3:
        return text
    return rng.choice((f"{text}, {postcode} Gent", f"{text} {postcode}", f"{text} Gent", f"{postcode} Gent {text}"))


def _typo(rng: random.Random, street: str) -> str:
    letters = [i for i, c in enumerate(street) if c.isalpha() and i > 0]
    i = rng.choice(letters)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap" and i + 1 < len(street) and street[i + 1].isalpha():
        return street[:i] + street[i + 1] + street[i] + street[i + 2:]
    if kind == "drop":
        return street[:i] + street[i + 1:]
    if kind == "double":
        return street[:i] + street[i] + street[i:]
    near = {"a": "s", "e": "r", "i": "o", "o": "i", "n": "m", "r": "t", "s": "d", "t": "r", "l": "k"}
    return street[:i] + near.get(street[i].lower(), "e") + street[i + 1:]


def make_queries(n: int, seed: int, rows, wijken) -> list[tuple[str, str, tuple]]:
    """(kind, text, intended) with intended ("address", street, postcode) / ("area", name) / ("postcode", pc)."""
    rng = random.Random(seed)
    by_street: dict[tuple[str, str], list[str]] = defaultdict(list)
    for street, number, postcode in rows:
        by_street[(street, postcode)].append(number)
    streets = sorted(by_street)
    postcodes = sorted({pc for _s, pc in streets})
    queries = []
    weights = (0.3, 0.15, 0.15, 0.15, 0.15, 0.1)
    for _ in range(n):
        kind = rng.choices(KINDS, weights)[0]
        if kind in ("address", "typo"):
            street, number, postcode = rows[rng.randrange(len(rows))]
            if kind == "typo":
                while len(street.replace(" ", "")) < 6:
                    street, number, postcode = rows[rng.randrange(len(rows))]
                typed = _typo(rng, _noise(rng, street))
            else:
                typed = _noise(rng, street)
            queries.append((kind, _where(rng, f"{typed} {number}", postcode), ("address", street, postcode)))
        elif kind == "missing number":
            street, postcode = streets[rng.randrange(len(streets))]
            known = {int("".join(c for c in n if c.isdigit()) or 0) for n in by_street[(street, postcode)]}
            gaps = [v for v in range(1, max(known) + 12) if v not in known]
            queries.append((kind, _where(rng, f"{_noise(rng, street)} {rng.choice(gaps)}", postcode),
                            ("address", street, postcode)))
        elif kind == "street":
            street, postcode = streets[rng.randrange(len(streets))]
            queries.append((kind, _where(rng, _noise(rng, street), postcode), ("address", street, postcode)))
        elif kind == "neighbourhood":
            name = rng.choice(wijken)
            parts = [p for p in name.split(" - ") if len(p) > 3 and not p.endswith("...")]
            typed = rng.choice([name] + parts)
            typed = rng.choice((typed, typed.lower(), _strip_accents(typed).lower()))
            queries.append((kind, typed, ("area", name)))
        else:
            postcode = rng.choice(postcodes)
            queries.append((kind, rng.choice((postcode, f"{postcode} Gent", f"Gent {postcode}")), ("postcode", postcode)))
    return queries


def _demo_database() -> str:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    path = WORKDIR / "gazetteer-demo.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        building = WORKDIR / f"gazetteer-building-{os.getpid()}.db"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{building}", "PYTHONPATH": str(ROOT)}
        flask = [sys.executable, "-m", "flask", "--app", "community"]
        subprocess.run(flask + ["db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(flask + ["load-demo"], env=env, check=True, capture_output=True)
        building.rename(path)
    return url


def _peer(rev: str):
    """`resolve_near` as it was at `rev`, loaded under community.services (its relative imports)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:community/services/geocoding.py"],
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("community.services.geocoding_peer", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "community.services"
    sys.modules[spec.name] = module
    exec(compile(source, f"{rev}:community/services/geocoding.py", "exec"), module.__dict__)
    return module.resolve_near


def _outcome(intended, found, error) -> str:
    from community.taxonomy import POSTCODE_PLACES  # noqa: F401
    if found is None:
        choices = getattr(error, "choices", None) or []
        return "choice" if any(_is(intended, c.text, c.label) for c in choices) else "not found"
    if _is(intended, found.label, found.label, found.kind):
        return "resolved"
    alternatives = getattr(found, "alternatives", ())
    return "alternative" if any(_is(intended, a.text, a.label) for a in alternatives) else "wrong"


def _is(intended, text: str, label: str, kind: str | None = None) -> bool:
    if intended[0] == "address":
        _tag, street, postcode = intended
        return (label.startswith(street + " ") or label.startswith(street + ",")) and f", {postcode} " in label
    if intended[0] == "area":
        return (kind in (None, "area")) and (label == intended[1] or f"the {intended[1]} neighbourhood" == label
                                             or text == intended[1])
    return (kind in (None, "area")) and (label.startswith(f"postcode {intended[1]}") or text == intended[1])


def run(resolve, queries):
    from community.errors import BadRequest
    times, outcomes, by_kind = [], defaultdict(Counter), defaultdict(list)
    for kind, text, intended in queries:
        found = error = None
        start = time.perf_counter_ns()
        try:
            found = resolve(text)
        except BadRequest as exc:
            error = exc
        times.append((time.perf_counter_ns() - start) / 1e6)
        by_kind[kind].append(times[-1])
        outcomes[kind][_outcome(intended, found, error)] += 1
    return times, outcomes, by_kind


def _q(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--peer-rev", default="2df74b9", help="the commit whose resolve_near is the peer")
    parser.add_argument("--show", type=int, default=0, help="print this many queries the gazetteer missed")
    args = parser.parse_args()

    import csv
    import json
    with open(ADDRESSES, encoding="utf-8") as f:
        rows = [(r["street"], r["house_number"], r["postcode"]) for r in csv.DictReader(f)]
    wijken = [f["properties"]["name"] for f in json.loads(
        (ROOT / "community" / "demo" / "data" / "wijken_gent.geojson").read_text(encoding="utf-8"))["features"]]
    queries = make_queries(args.queries, args.seed, rows, wijken)

    from community import create_app
    from community.extensions import db
    from community.models import AddressPoint
    from sqlalchemy import func, select
    app = create_app({"SQLALCHEMY_DATABASE_URI": _demo_database(), "SECRET_KEY": "bench",
                      "BABEL_DEFAULT_LOCALE": "en"})
    with app.test_request_context("/"):
        points = db.session.scalar(select(func.count()).select_from(AddressPoint))
        from community.services.geocoding import resolve_near
        from community.services import gazetteer
        start = time.perf_counter()
        gazetteer.index(), gazetteer.places()
        build = time.perf_counter() - start
        peer = _peer(args.peer_rev)
        results = {}
        for name, resolve in (("gazetteer", resolve_near), (f"exact look-up ({args.peer_rev})", peer)):
            try:
                resolve("Sint-Baafsplein 1")  # warm-up
            except Exception:
                pass
            results[name] = run(resolve, queries)
        if args.show:
            missed = 0
            for kind, text, intended in queries:
                try:
                    found, error = resolve_near(text), None
                except Exception as exc:  # noqa: BLE001
                    found, error = None, exc
                outcome = _outcome(intended, found, error)
                if outcome in ("alternative", "wrong", "not found") and missed < args.show:
                    missed += 1
                    print(f"  {kind:15} {text!r:45} {outcome:9} -> {found.label if found else error}")

    print(f"{len(queries)} queries (seed {args.seed}), {points:,} address points; gazetteer look-up data "
          f"built in {build * 1000:.0f} ms (once per process and data version)")
    print(f"{'method':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   hits: resolved / choice / alternative / wrong / not found")
    for name, (times, outcomes, by_kind) in results.items():
        total = sum(outcomes.values(), Counter())
        print(f"{name:32} {_q(times, .5):8.2f} {_q(times, .95):8.2f} {max(times):8.1f}   "
              f"{total['resolved']} / {total['choice']} / {total['alternative']} / {total['wrong']} / {total['not found']}")
        for kind in KINDS:
            o = outcomes[kind]
            n = sum(o.values())
            print(f"    {kind:28} n={n:4}  resolved {o['resolved']:4}  choice {o['choice']:4}  alternative {o['alternative']:3}  wrong {o['wrong']:4}"
                  f"  not found {o['not found']:4}  p95 {_q(by_kind[kind], .95):6.2f} ms")
    (g_times, *_g), (p_times, *_p) = results.values()
    print(f"p95 ratio gazetteer / exact look-up: {_q(g_times, .95) / _q(p_times, .95):.2f}")


if __name__ == "__main__":
    main()
