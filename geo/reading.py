"""What the geodata readers (geo.io, geo.csv_points) tell people: numbers, CRS help, long lists cut short."""

from __future__ import annotations

import numpy as np

from .crs import crs_label, guess_point_crs
from .errors import GeoInputError

# How many row/feature numbers or problems to show before summarising.
SHOW = 5
MAX_PROBLEMS = 20

CRS_HELP = (
    "Pass the CRS explicitly, e.g. --crs EPSG:31370 (Belgian Lambert 72), "
    "--crs EPSG:3812 (Belgian Lambert 2008) or --crs EPSG:4326 (longitude/latitude degrees)."
)


def numbers_text(word: str, numbers) -> str:
    numbers = list(numbers)
    shown = ", ".join(str(n) for n in numbers[:SHOW])
    more = ", ..." if len(numbers) > SHOW else ""
    return f"{word}{'s' if len(numbers) > 1 else ''} {shown}{more}"


def not_vector(name: str, detail: str = "", paths: tuple[str, ...] = ()) -> GeoInputError:
    text = f"{name} is not a vector file GeoJSON/GeoPackage/Shapefile/CSV readers could read"
    if detail:
        # GDAL's own words help a technical user; keep them short, drop its
        # driver-prefix advice, and show the file name instead of server paths.
        detail = detail.splitlines()[0].split("; It might help")[0]
        for path in sorted(paths, key=len, reverse=True):
            detail = detail.replace(path, name)
        text += f" ({detail[:200]})"
    return GeoInputError(text)


def ask_crs(name: str, bounds, reason: str) -> str:
    text = f"{name} {reason}. {CRS_HELP}"
    if np.all(np.isfinite(bounds)):
        guess = guess_point_crs(bounds[[0, 2]], bounds[[1, 3]])
        if guess is not None:
            text += f" The coordinates look like {crs_label(guess)}, so --crs {guess} is likely right."
    return text


def cap(problems: list[str], name: str) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return problems[:MAX_PROBLEMS] + [f"{name}: ... and {len(problems) - MAX_PROBLEMS} more problems"]
