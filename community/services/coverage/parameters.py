"""The review's parameters: what decides the numbers, their ranges, and the settings read from config.

Everything here either lives in the URL (``ReviewParams``, parsed and checked by
``parse_weights`` and the review form) or in the application config
(``norms``, ``stale_months``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app
from flask_babel import gettext

from geo import coverage as geo_coverage
from geo import need as geo_need

LEVELS = ("municipality", "district", "sector")
METHODS = geo_coverage.METHODS
COUNTED_STATUSES = ("active",)
DISTANCE_RANGE = (100, 5000)
PERIOD_RANGE = (7, 730)
WEIGHT_RANGE = (0.0, 10.0)

#: Planning norms. ``per_inhabitants``: one per started N inhabitants. What counts:
#: meeting places of one of ``place_kinds`` hosting an active initiative with one of
#: ``working_models``. The default approximates a local service centre (lokaal
#: dienstencentrum): a community centre with an organisation-based offer. Override
#: with the BUURTKRACHT_COVERAGE_NORMS setting (a list of such dicts).
DEFAULT_NORMS = (
    {"code": "local_service_centre", "per_inhabitants": 15000, "place_kinds": ["community_centre"],
     "working_models": ["organisation"]},
)


def norms() -> list[dict]:
    """The planning norms in force (BUURTKRACHT_COVERAGE_NORMS, else ``DEFAULT_NORMS``)."""
    return list(current_app.config.get("BUURTKRACHT_COVERAGE_NORMS") or DEFAULT_NORMS)


def stale_months() -> int:
    """An offer not checked for this many months counts as possibly out of date (BUURTKRACHT_STALE_MONTHS)."""
    return int(current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))


def weight_fields() -> list[tuple[str, str]]:
    """(indicator, label) of the need components that can be weighted, in order."""
    labels = {
        "deprivation_index": gettext("Deprivation index"),
        "population_65_plus": gettext("Residents aged 65 or over"),
        "children_0_11": gettext("Children aged 0 to 11"),
        "single_person_households": gettext("Single-person households"),
        "median_income": gettext("Median income (lower income, more need)"),
        "bimd_decile": gettext("BIMD decile (1 is the most deprived)"),
    }
    return [(c.indicator, labels[c.indicator]) for c in geo_need.DEFAULT_COMPONENTS]


DEFAULT_WEIGHTS = tuple(sorted(geo_need.default_weights().items()))


@dataclass(frozen=True)
class ReviewParams:
    """Everything that decides what the review shows; all of it lives in the URL."""

    level: str = "district"
    method: str = "2sfca"
    distance: int = 800
    period: int = 90
    weights: tuple[tuple[str, float], ...] = DEFAULT_WEIGHTS
    measure: str = "gap"
    sort: str = "rank"
    order: str = "asc"

    @property
    def compute_key(self) -> tuple:
        """The parameters that change the numbers (level, measure and sorting only change the view)."""
        return (self.method, self.distance, self.period, self.weights)

    def query(self, **changes) -> dict:
        """Query parameters for a URL to this view (with some changed)."""
        p = replace(self, **changes)
        args = {"level": p.level, "method": p.method, "distance": p.distance, "period": p.period,
                "measure": p.measure}
        if p.sort != "rank" or p.order != "asc":
            args.update(sort=p.sort, order=p.order)
        args.update(p._weight_args())
        return args

    @property
    def shared_query(self) -> dict:
        """The parameters that change the numbers (for links to details, exports and reports)."""
        return {"method": self.method, "distance": self.distance, "period": self.period, **self._weight_args()}

    def _weight_args(self) -> dict:
        if self.weights == DEFAULT_WEIGHTS:
            return {}
        return {"w_" + k: f"{v:g}" for k, v in self.weights}


def parse_weights(args) -> tuple[tuple[tuple[str, float], ...], list[tuple[str, str]]]:
    """Weights from ``w_<indicator>`` query parameters (absent ones keep their default).

    Returns the weights and a list of (indicator, message) problems; a decimal comma is accepted.
    """
    weights = dict(DEFAULT_WEIGHTS)
    problems = []
    low, high = WEIGHT_RANGE
    labels = dict(weight_fields())
    for name in weights:
        raw = args.get("w_" + name) if args is not None else None
        if raw is None or raw == "":
            continue
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = float("nan")
        if not (low <= value <= high):  # NaN fails too
            problems.append((name, gettext("The weight for %(name)s must be a number from %(min)s to %(max)s.",
                                           name=labels[name], min=f"{low:g}", max=f"{high:g}")))
            continue
        weights[name] = value
    if not problems and not any(v > 0 for v in weights.values()):
        problems.append((weight_fields()[0][0], gettext("At least one need weight must be above 0.")))
    return tuple(sorted(weights.items())), problems


# ---------------------------------------------------------------- measures


@dataclass(frozen=True)
class Measure:
    code: str
    worse: str  # "high": a high value asks for attention; "low": a low one does
    kind: str  # how it is written: signed_share | share | index | access | metres | count | rate

    @property
    def label(self) -> str:
        return measure_labels()[self.code]


MEASURES = {m.code: m for m in (
    Measure("gap", "high", "signed_share"),
    Measure("need_index", "high", "index"),
    Measure("need_share", "high", "share"),
    Measure("supply_share", "low", "share"),
    Measure("ratio", "low", "index"),
    Measure("access", "low", "access"),
    Measure("share_within", "low", "share"),
    Measure("nearest_m", "high", "metres"),
    Measure("initiatives_in_area", "low", "count"),
    Measure("models_in_reach", "low", "count"),
    Measure("activities_per_1000", "low", "rate"),
)}
SORTS = ("rank", "name", "population") + tuple(MEASURES)


def measure_labels() -> dict[str, str]:
    return {
        "gap": gettext("Gap (need share minus offer share)"),
        "need_index": gettext("Need index (1 is the average)"),
        "need_share": gettext("Share of the need"),
        "supply_share": gettext("Share of the offer"),
        "ratio": gettext("Offer share per need share"),
        "access": gettext("Access score"),
        "share_within": gettext("Residents with an offer within walking distance"),
        "nearest_m": gettext("Mean distance to the nearest offer"),
        "initiatives_in_area": gettext("Initiatives held in the area"),
        "models_in_reach": gettext("Working models within reach"),
        "activities_per_1000": gettext("Activities per 1,000 residents"),
    }


def method_labels() -> dict[str, str]:
    return {
        "2sfca": gettext("Two-step floating catchment (offers per resident within the distance)"),
        "e2sfca": gettext("Two-step floating catchment with distance decay (nearer counts more)"),
        "cumulative": gettext("Number of offers within the distance"),
        "nearest": gettext("Distance to the nearest offer"),
    }
