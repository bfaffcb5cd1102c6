"""The base map and the offers' map as plain data: static/js/mapkit.js and map.js build the Leaflet map
(our own copy) from it.

No page holds an inline script: the configuration below and each page's layer data travel as JSON
islands (`<script type="application/json">`, written with `tojson`), so the Content-Security-Policy
allows scripts from our own origin only.
"""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import format_datetime, gettext as _
from markupsafe import escape

from . import taxonomy
from .i18n import current_locale

# Colour per working model: distinguishable in colour-blind palettes (Okabe-Ito) plus a letter,
# so colour is never the only cue.
MODEL_STYLE = {
    "competence": ("#0072B2", "C"),
    "buddy": ("#D55E00", "B"),
    "personal_network": ("#CC79A7", "N"),
    "peer": ("#009E73", "L"),
    "context": ("#8F6A00", "X"),
    "organisation": ("#56B4E9", "O"),
    "location": ("#000000", "W"),
}

MAX_ZOOM = 19


def base_map(*, center: tuple[float, float] = (51.054, 3.725), zoom: int = 12) -> dict:
    """Centre, zoom, the tile layer and the attributions of a map.

    Leaflet shows attributions as HTML. The tile attribution is the operator's own setting (it
    links to the tile licence); the boundaries' attribution is escaped here. No listing text
    goes through this configuration.
    """
    config = current_app.config
    tile_url = config["BUURTKRACHT_TILE_URL"]
    tiles = ({"url": tile_url, "attribution": config["BUURTKRACHT_TILE_ATTRIBUTION"], "maxZoom": MAX_ZOOM}
             if tile_url else None)
    boundaries = config.get("BUURTKRACHT_AREAS_ATTRIBUTION")
    return {"center": list(center), "zoom": zoom, "maxZoom": MAX_ZOOM, "tiles": tiles,
            "attributions": [str(escape(boundaries))] if boundaries else []}


def map_settings() -> dict:
    """What every offers map needs whatever it shows: styles, legend, labels, where details live."""
    locale = current_locale()
    return {
        "styles": MODEL_STYLE,
        "legend": [{"code": c, "colour": col, "letter": letter,
                    "label": taxonomy.WORKING_MODELS.label(c, locale)} for c, (col, letter) in MODEL_STYLE.items()],
        "labels": {"free": taxonomy.COSTS.label("free", locale),
                   "childcare": taxonomy.CHILDCARE.label("children_welcome", locale),
                   "legend": _("Working model"), "map": _("Map of the offers"),
                   "center": _("Your location"), "search_here": _("Search around here"),
                   # %(num)s is filled in by the map script (always 2 or more).
                   "cluster": _("%(num)s offers here: zoom in")},
        "detail_base": url_for("public.initiatives") + "/"}


def marker_rows(values) -> dict:
    """Plain data for the map script, which sets all text as text, never as HTML.

    What many markers share is sent once: "places" holds each meeting place as [lat, lon, name]
    and "texts" each "Next: ..." text; a marker names its place and its text by index ("next"
    is -1 when there is no next session). `values`: (lat, lon, place name, initiative name, first
    working model, cost, childcare, next start, initiative id) per marker.
    """
    places: dict[tuple, int] = {}
    texts: dict = {}
    text_index: dict = {}  # next start -> index in texts, so each time is formatted once
    rows = []
    for lat, lon, place, name, model, cost, childcare, next_start, initiative_id in values:
        place_index = places.setdefault((round(lat, 5), round(lon, 5), place), len(places))
        if next_start is None:
            text = -1
        else:
            if next_start not in text_index:
                words = _("Next: %(when)s", when=format_datetime(next_start, "EEE d MMM, HH:mm"))
                text_index[next_start] = texts.setdefault(words, len(texts))
            text = text_index[next_start]
        rows.append({"name": name, "place": place_index, "models": [model] if model else [],
                     "free": cost == "free", "childcare": childcare in ("children_welcome", "childcare_provided"),
                     "next": text, "id": str(initiative_id)})
    return {"places": [list(key) for key in places], "texts": list(texts), "markers": rows}
