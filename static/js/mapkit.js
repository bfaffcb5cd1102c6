/* Buurtkracht map kit, shared by map.js (offers) and review.js (coverage): the base map built from
   the page's JSON configuration, the legend, and the helper that makes elements.
   Pages carry no inline script: the configuration and the layers are JSON islands
   (<script type="application/json">) that this file reads as text and parses.
   Every text from the database is set with textContent, never as HTML. */
(function (window, document) {
  "use strict";

  /* An element with an optional class and text (as text, never as HTML). */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /* The parsed content of a JSON island, or null when the page has none. */
  function readJSON(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  /* The Leaflet map in `container` (by default the page's `.bk-map`); its `data-config` names the
     island holding centre, zoom, tiles and attributions; `view` ({center, zoom}) may replace the
     configured view. Null without a container or without Leaflet. */
  function createMap(container, view) {
    container = container || document.querySelector(".bk-map[data-config]");
    if (!container || typeof window.L === "undefined") { return null; }
    var config = readJSON(container.getAttribute("data-config")) || {};
    view = view || {};
    var L = window.L;
    var map = L.map(container, {
      center: view.center || config.center || [51.054, 3.725],
      zoom: view.zoom || config.zoom || 12,
      // Without a tile layer Leaflet has no maxZoom; clustering and fitBounds need one.
      maxZoom: config.maxZoom || 19,
      zoomControl: true
    });
    L.control.scale().addTo(map);
    if (config.tiles && config.tiles.url) {
      L.tileLayer(config.tiles.url, {
        maxZoom: config.tiles.maxZoom || 19,
        attribution: config.tiles.attribution || ""
      }).addTo(map);
    }
    // Attributions are written (and escaped where needed) by the server: see community/maps.py.
    (config.attributions || []).forEach(function (text) { map.attributionControl.addAttribution(text); });
    window.buurtkrachtMap = map;  // for the browser tests and for the console
    return map;
  }

  /* The data of the map's layers: the island named by the container's `data-layers`. */
  function layerData() {
    var container = document.querySelector(".bk-map[data-layers]");
    return container ? readJSON(container.getAttribute("data-layers")) : null;
  }

  /* Neighbourhood boundaries (GeoJSON, properties.name) as dashed outlines; null when there are
     none. options.names: each shows its name on hover (otherwise clicks go through to the map). */
  function addAreas(map, geojson, options) {
    if (!geojson || !geojson.features || !geojson.features.length) { return null; }
    options = options || {};
    return window.L.geoJSON(geojson, {
      style: function () { return { color: "#444", weight: 1.5, fill: true, fillOpacity: 0.03, dashArray: "4 3" }; },
      interactive: Boolean(options.names),
      onEachFeature: function (feature, layer) {
        if (options.names) { layer.bindTooltip(el("span", "", feature.properties.name), { sticky: true }); }
      }
    }).addTo(map);
  }

  /* A legend inside the map. entries: [{colour, label, letter?}]; options: className, swatchClass,
     hidden (true when the same legend is on the page outside the map, for screen readers). */
  function addLegend(map, title, entries, options) {
    options = options || {};
    var legend = window.L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "bk-legend" + (options.className ? " " + options.className : ""));
      if (options.hidden) { box.setAttribute("aria-hidden", "true"); }
      box.appendChild(el("strong", "", title || ""));
      var list = el("ul");
      (entries || []).forEach(function (entry) {
        var item = el("li");
        var swatch = el("span", options.swatchClass || "bk-swatch", entry.letter);
        swatch.style.background = entry.colour;
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(" " + entry.label));
        list.appendChild(item);
      });
      box.appendChild(list);
      return box;
    };
    legend.addTo(map);
    return legend;
  }

  /* Name the map for assistive technology and tell the page (and the tests) it is drawn. */
  function ready(map, label) {
    var container = map.getContainer();
    container.setAttribute("aria-label", label || "Map");
    container.setAttribute("role", "region");
    document.documentElement.classList.add("map-ready");
  }

  window.BuurtkrachtMapKit = { el: el, readJSON: readJSON, createMap: createMap, layerData: layerData,
                            addAreas: addAreas, addLegend: addLegend, ready: ready };
})(window, document);
