"""Text for people: numbers written through Babel in the page's locale, blind spots as sentences, views of a review.

Settings that appear in sentences (the stale period, the number of working
models) are read where they are defined, never written into the text.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from flask_babel import format_decimal, format_percent, get_locale, gettext, ngettext

from geo import coverage as geo_coverage

from ... import taxonomy
from ..disclosure import is_small, protected_count
from .blind_spots import row_blind_spots
from .computation import Coverage
from .parameters import MEASURES, measure_labels, stale_months

PALETTE_WORSE_HIGH = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA_COLOUR = "#bdbdbd"


# ---------------------------------------------------------------- numbers


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float, np.integer, np.floating)) and bool(np.isfinite(value))


def percent(value, decimals: int = 0) -> str:
    """A share (0..1) as a percentage in the locale (nl 42%, fr 42 %), or "no data"."""
    if not _finite(value):
        return gettext("no data")
    if not decimals:
        return format_percent(value)
    head, zero, tail = get_locale().percent_formats[None].pattern.rpartition("0")
    return format_percent(value, format=f"{head}{zero}.{'0' * decimals}{tail}")


def number(value, decimals: int = 0) -> str:
    """A number with the locale's decimal sign and grouping (nl 1.234,5), or "no data"."""
    if not _finite(value):
        return gettext("no data")
    return format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""))


def metres(value) -> str:
    return gettext("%(n)s m", n=number(value))


def format_value(measure: str, value) -> str:
    kind = MEASURES[measure].kind if measure in MEASURES else "number"
    if not _finite(value):
        if kind == "metres" and value == math.inf:
            return gettext("no offer")
        return gettext("no data")
    if kind == "signed_share":
        return gettext("%(n)s points", n=format_decimal(value * 100, format="+#,##0.0;-#,##0.0"))
    if kind == "share":
        return percent(value, decimals=1)
    if kind == "index":
        return number(value, 2)
    if kind == "metres":
        return metres(value)
    if kind == "count":
        return number(int(value))
    if kind == "rate":
        return number(value, 1)
    if kind == "access":
        return number(value * 1000, 2)
    return format_decimal(value)


def access_unit(method: str) -> str:
    return {
        "2sfca": gettext("offers per 1,000 residents within reach"),
        "e2sfca": gettext("offers per 1,000 residents within reach, nearer counts more"),
        "cumulative": gettext("offers within reach, times 1,000"),
        "nearest": gettext("metres to the nearest offer"),
    }[method]


def format_access(method: str, value) -> str:
    if not _finite(value):
        return gettext("no offer") if value == math.inf else gettext("no data")
    if method == "nearest":
        return format_value("nearest_m", value)
    if method == "cumulative":
        return number(value, 1)
    return number(value * 1000, 2)


def measure_text(measure: str, method: str, value) -> str:
    """A measure's value as shown in the table and on the map (access in the method's unit)."""
    return format_access(method, value) if measure == "access" else format_value(measure, value)


def status_text(status) -> str:
    return {"no_data": gettext("no data"), "no_residents": gettext("no residents")}.get(status, "")


def norm_label(norm: dict) -> str:
    labels = {"local_service_centre": gettext(
        "Local service centres (lokaal dienstencentrum), one per started %(n)s inhabitants",
        n=number(norm["per_inhabitants"]))}
    return labels.get(norm["code"], norm["code"])


def stale_period() -> str:
    """"the last 12 months", with the configured stale period."""
    months = stale_months()
    return ngettext("the last %(num)s month", "the last %(num)s months", months)


# ---------------------------------------------------------------- blind spots in words


def blind_spot_text(code: str, numbers: dict, distance: int) -> str:
    """One plain-language sentence: what is missing and why."""
    group_labels = {"elderly": gettext("older residents"), "families": gettext("children")}
    group_offer = {"elderly": gettext("an offer for older people"),
                   "families": gettext("an offer for children and families")}
    d = number(distance)
    p = percent(numbers.get("share"))
    if code == "no_offer":
        if not numbers["share"]:
            return gettext("No resident has any offer within %(d)s m.", d=d)
        return gettext("Only %(p)s of the residents have any offer within %(d)s m.", p=p, d=d)
    if code == "only_bonding":
        return gettext("One-sided: most residents only reach offers within their own group (bonding); "
                       "only %(p)s have an offer that brings different neighbours together (bridging) "
                       "within %(d)s m.", p=p, d=d)
    if code == "only_bridging":
        return gettext("One-sided: most residents only reach offers that mix neighbours (bridging); "
                       "only %(p)s have a peer or own-group offer (bonding) within %(d)s m.", p=p, d=d)
    if code == "no_free_with_children":
        if not numbers["share"]:
            return gettext("Children live here, but no resident has a free offer where children are welcome "
                           "within %(d)s m.", d=d)
        return gettext("Children live here, but only %(p)s of the residents have a free offer where "
                       "children are welcome within %(d)s m.", p=p, d=d)
    if code == "group_without_offer":
        words = dict(group=group_labels[numbers["group"]], share=percent(numbers["group_share"]),
                     ratio=number(numbers["ratio"], 1), offer=group_offer[numbers["group"]], d=d)
        if not numbers["share"]:
            return gettext("Many %(group)s live here (%(share)s of the residents, %(ratio)s times the average), "
                           "but no resident has %(offer)s within %(d)s m.", **words)
        return gettext("Many %(group)s live here (%(share)s of the residents, %(ratio)s times the average), "
                       "but only %(p)s of the residents have %(offer)s within %(d)s m.", p=p, **words)
    if code == "few_models":
        return ngettext("Little variety: only %(num)s of the %(total)s working models is within reach of most "
                        "residents.",
                        "Little variety: only %(num)s of the %(total)s working models are within reach of most "
                        "residents.", numbers["count"], total=len(taxonomy.WORKING_MODELS.codes))
    if code == "no_evening_weekend":
        return gettext("Nothing in the evening (%(e)s) or at the weekend (%(w)s) within reach of most residents.",
                       e=percent(numbers["evening"]), w=percent(numbers["weekend"]))
    if code == "stale":
        return gettext("Only %(p)s of the offers within reach were checked in %(period)s: "
                       "the picture may be out of date.", p=p, period=stale_period())
    return code


def blind_spot_short(code: str, numbers: dict, words: tuple[dict, dict] | None = None) -> str:
    """A few words for the table (``words``: ``blind_spot_words()``, when writing many)."""
    group_short, short = words or blind_spot_words()
    if code == "group_without_offer":
        return group_short[numbers["group"]]
    return short.get(code, code)


def blind_spot_words() -> tuple[dict, dict]:
    """The short texts per group and per blind spot, in the request's language."""
    group_short = {"elderly": gettext("Many older residents, no offer for older people"),
                   "families": gettext("Many children, no offer for families")}
    short = {
        "no_offer": gettext("No offer within walking distance"),
        "only_bonding": gettext("Only bonding"),
        "only_bridging": gettext("Only bridging"),
        "no_free_with_children": gettext("No free offer with children welcome"),
        "few_models": gettext("Little variety"),
        "no_evening_weekend": gettext("No evenings or weekends"),
        "stale": gettext("Listings out of date"),
    }
    return group_short, short
# ---------------------------------------------------------------- views of the result


def _value(row, measure):
    value = row.get(measure)
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class _Texts(dict):
    """measure -> its value as text, written when first asked for (a table shows only some)."""

    def __init__(self, method: str, values: dict):
        super().__init__()
        self.method, self.values = method, values

    def __missing__(self, measure: str) -> str:
        text = self[measure] = measure_text(measure, self.method, self.values[measure])
        return text


def _column(frame, measure) -> np.ndarray:
    """A measure's values as floats (NaN where missing or not a number), as ``_value`` reads one."""
    if measure not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[measure], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def table_rows(cov: Coverage, level: str | None = None, sort: str | None = None, order: str | None = None) -> list[dict]:
    """Rows of the ranked table, sorted; each holds raw and formatted values."""
    level = level or cov.params.level
    sort = sort or cov.params.sort
    order = order or cov.params.order
    frame = cov.level(level)
    rows = []
    words = blind_spot_words()
    for code, row in frame.to_dict("index").items():
        spots = row_blind_spots(row)
        values = {m: _value(row, m) for m in MEASURES}
        rows.append({
            "code": code, "name": row["name"], "status": row.get("status"),
            "status_text": status_text(row.get("status")),
            "rank": row.get("rank"), "population": row.get("population"),
            "values": values, "text": _Texts(cov.params.method, values),
            "reasons": [blind_spot_short(c, n, words) for c, n in spots],
            "parent": row.get("parent"),
        })

    def key(r):
        if sort == "name":
            return (0, r["name"].casefold())
        if sort == "population":
            v = r["population"]
        elif sort == "rank":
            v = r["rank"]
        else:
            v = r["values"].get(sort, math.nan)
        missing = v is None or not np.isfinite(v)
        return (1 if missing else 0, 0 if missing else (v if order == "asc" else -v))

    rows.sort(key=lambda r: (key(r), r["name"].casefold()))
    if sort == "name" and order == "desc":
        rows.reverse()
    return rows


PALETTE_WORSE_HIGH = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA_COLOUR = "#bdbdbd"


def choropleth(cov: Coverage, level: str, measure: str) -> dict:
    """GeoJSON of the level's areas with the measure, its class and colour, plus the legend."""
    frame = cov.level(level)
    values = _column(frame, measure)
    spec = MEASURES[measure]
    # Colour by "how much attention": darker = worse, whichever direction that is.
    attention = values if spec.worse == "high" else -values
    breaks, classes = geo_coverage.quantile_classes(attention, k=5)
    n = len(breaks)
    palette = PALETTE_WORSE_HIGH[-n:] if n else ()
    legend, lower = [], None
    for i, upper in enumerate(breaks):
        lo_v, hi_v = (lower, upper) if spec.worse == "high" else (-upper, None if lower is None else -lower)
        legend.append({"colour": palette[i], "label": _range_label(measure, cov.params.method, lo_v, hi_v, spec.worse)})
        lower = upper
    if (classes < 0).any():
        legend.append({"colour": NO_DATA_COLOUR, "label": gettext("no data"), "no_data": True})
    features = []
    for code, name, value, cls in zip(frame.index, frame["name"], values, classes):
        text = measure_text(measure, cov.params.method, value)
        features.append({"type": "Feature", "geometry": cov.shapes[code], "properties": {
            "code": code, "name": name, "value": None if not np.isfinite(value) else value,
            "text": text, "colour": palette[cls] if cls >= 0 else NO_DATA_COLOUR, "cls": int(cls)}})
    return {"type": "FeatureCollection", "features": features, "legend": legend,
            "title": measure_labels()[measure]}


def _range_label(measure, method, low, high, worse) -> str:
    def fmt(value):
        return measure_text(measure, method, value)

    if worse == "high":
        if low is None:
            return gettext("up to %(v)s", v=fmt(high))
    elif high is None:
        return gettext("%(v)s or more", v=fmt(low))
    return gettext("%(a)s to %(b)s", a=fmt(low), b=fmt(high))


def area_profile(cov: Coverage, code: str) -> dict | None:
    """Everything the detail page and the district report show about one area."""
    if code not in cov.areas.index:
        return None
    row = cov.areas.loc[code]
    level = row["level"]
    reach = cov.reach.get(code, {})
    spots = row_blind_spots(row)
    inside = cov.offers[cov.offers["in_" + level] == code] if len(cov.offers) else cov.offers
    models = []
    for term in taxonomy.WORKING_MODELS.terms:
        count = int(inside["models"].map(lambda ms, c=term.code: c in ms).sum()) if len(inside) else 0
        models.append({"code": term.code, "count_in_area": count, "reach": reach.get("model:" + term.code)})
    groups = [{"code": t.code, "reach": reach.get("group:" + t.code)} for t in taxonomy.TARGET_GROUPS.terms]
    partners = set(inside["organisation"]) if len(inside) else set()
    if len(cov.activities) and level in cov.activities.columns:
        for names in cov.activities.loc[cov.activities[level] == code, "partners"]:
            partners.update(names)
    partners = sorted(partners, key=str.casefold)
    offers_here = (inside.drop_duplicates("initiative_id")[["initiative_id", "name", "organisation", "place", "models",
                                                            "free", "childcare"]].to_dict("records")
                   if len(inside) else [])
    children = cov.areas[cov.areas["parent"] == code]
    norms = []
    for norm in cov.norms:
        c = norm["code"]
        norms.append({"label": norm_label(norm),
                      "required": row.get(f"norm_{c}_required"), "present": row.get(f"norm_{c}_present"),
                      "shortfall": row.get(f"norm_{c}_shortfall")})
    activities = row.get("activities")
    return {
        "code": code, "name": row["name"], "level": level, "parent": row.get("parent"),
        "parent_name": cov.areas.at[row["parent"], "name"] if row.get("parent") in cov.areas.index else None,
        "status": row.get("status"), "status_text": status_text(row.get("status")),
        "generated": bool(row.get("generated")),
        "row": row, "rank": row.get("rank"), "of": int(cov.level(level)["rank"].notna().sum()),
        "reach": reach, "models": models, "groups": groups,
        "tie": {"bonding": reach.get("bonding"), "bridging": reach.get("bridging"),
                "bonding_count": row.get("bonding_count"), "bridging_count": row.get("bridging_count")},
        "blind_spots": [blind_spot_text(c, n, cov.params.distance) for c, n in spots],
        "blind_spot_codes": [c for c, _ in spots],
        "partners": partners, "offers_here": offers_here,
        "activities_text": protected_count(None if activities is None or not np.isfinite(activities) else int(activities)),
        "participants_text": protected_count(None if not np.isfinite(row.get("participants", np.nan))
                                             else int(row["participants"])),
        "activities_small": activities is not None and np.isfinite(activities) and is_small(int(activities)),
        "participants_small": np.isfinite(row.get("participants", np.nan)) and is_small(int(row["participants"])),
        "norms": norms,
        "children": [(c, r["name"]) for c, r in children.iterrows()],
    }
