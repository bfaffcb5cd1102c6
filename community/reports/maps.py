"""Static map images for printed reports: geopandas + matplotlib (Agg), no tiles, no network."""
from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
from flask_babel import gettext
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.lines import Line2D

from ..services.coverage import computation, presentation

METRIC = "EPSG:31370"


def report_map_png(cov: computation.Coverage, code: str, *, measure: str = "gap", dpi: int = 150) -> bytes:
    """The area's sub-areas (districts of a municipality, sectors of a district) coloured by ``measure``.

    Classes and colours are those of the interactive map; the neighbouring areas
    are drawn in light grey for orientation and the offers as dots with the area's
    outline on top. A Figure without pyplot keeps it thread-safe in the web server.
    """
    level = cov.areas.at[code, "level"]
    child_level = {"municipality": "district", "district": "sector"}[level]
    layer = presentation.choropleth(cov, child_level, measure)
    children = [f for f in layer["features"] if cov.areas.at[f["properties"]["code"], "parent"] == code]
    if not children:  # no sub-areas: colour the area itself at its own level
        layer = presentation.choropleth(cov, level, measure)
        children = [f for f in layer["features"] if f["properties"]["code"] == code]
    frame = gpd.GeoDataFrame.from_features(children, crs="EPSG:4326").to_crs(METRIC)
    outline = cov.geometries.loc[[code]].to_crs(METRIC)
    same_level = cov.areas.index[(cov.areas["level"] == level) & (cov.areas.index != code)]
    neighbours = cov.geometries.loc[list(same_level)].to_crs(METRIC)

    fig = Figure(figsize=(7.0, 5.6), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.2, 1.0, 0.8))
    minx, miny, maxx, maxy = outline.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.06
    if len(neighbours):
        neighbours.plot(ax=ax, color="#eeeeee", edgecolor="#bbbbbb", linewidth=0.5)
    frame.plot(ax=ax, color=list(frame["colour"]), edgecolor="#555555", linewidth=0.6)
    outline.boundary.plot(ax=ax, color="#000000", linewidth=1.6)
    offers = cov.offers
    if len(offers):
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(offers["lon"], offers["lat"]),
                               crs="EPSG:4326").to_crs(METRIC)
        xy = np.column_stack([pts.geometry.x, pts.geometry.y])
        show = ((xy[:, 0] >= minx - pad) & (xy[:, 0] <= maxx + pad) & (xy[:, 1] >= miny - pad)
                & (xy[:, 1] <= maxy + pad))
        ax.scatter(xy[show, 0], xy[show, 1], s=14, c="#0072B2", edgecolors="#ffffff", linewidths=0.6, zorder=5)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    # A 1 km scale bar: distances matter more than coordinates on paper.
    x0, y0 = minx - pad * 0.5, miny - pad * 0.6
    ax.plot([x0, x0 + 1000], [y0, y0], color="#000000", linewidth=2)
    ax.text(x0 + 500, y0 + pad * 0.15, "1 km", ha="center", va="bottom", fontsize=7)
    handles = [Patch(facecolor=item["colour"], edgecolor="#555555", label=item["label"]) for item in layer["legend"]]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#0072B2", markeredgecolor="#ffffff",
                          label=gettext("Offer (initiative at a meeting place)")))
    legend_ax = fig.add_axes((0.02, 0.0, 0.96, 0.19))
    legend_ax.set_axis_off()
    legend_ax.legend(handles=handles, loc="upper left", fontsize=7, title=layer["title"], ncol=3,
                     title_fontsize=7.5, frameon=False, alignment="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()

