"""The base map as plain data: static/js/mapkit.js builds the Leaflet map (our own copy) from it.

No page holds an inline script: the configuration below and each page's layer data travel as JSON
islands (`<script type="application/json">`, written with `tojson`), so the Content-Security-Policy
allows scripts from our own origin only.
"""
from __future__ import annotations

from flask import current_app
from markupsafe import escape

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
