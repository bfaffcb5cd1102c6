"""Map building: a folium base map served with our own Leaflet, and the data our script draws."""
from __future__ import annotations

from dataclasses import dataclass

import json

import folium
from flask import current_app, url_for
from markupsafe import Markup, escape

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


@dataclass
class MapParts:
    """Folium's HTML container and script, to embed in our own page."""

    name: str
    html: Markup
    script: Markup


def base_map(*, center: tuple[float, float] = (51.054, 3.725), zoom: int = 12) -> MapParts:
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True,
                   prefer_canvas=False)
    # Leaflet comes from our static folder: no CDN request from any page.
    m.default_js = [("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css"))]
    tile_url = current_app.config["BUURTKRACHT_TILE_URL"]
    if tile_url:
        folium.TileLayer(tile_url, attr=current_app.config["BUURTKRACHT_TILE_ATTRIBUTION"],
                         max_zoom=19, name="tiles").add_to(m)
    root = m.get_root()
    root.render()
    script = root.script.render()
    boundaries = current_app.config.get("BUURTKRACHT_AREAS_ATTRIBUTION")
    if boundaries:
        # The licence of the district boundaries asks for attribution on the map itself.
        script += f"\n{m.get_name()}.attributionControl.addAttribution({json.dumps(str(escape(boundaries)))});\n"
    # The generated markup and script contain only our own configuration (centre, zoom, the
    # tile URL and attributions from the operator's environment); no listing text goes
    # through folium.
    return MapParts(name=m.get_name(), html=Markup(root.html.render()), script=Markup(script))
