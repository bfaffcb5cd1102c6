/* Coverage review map: areas coloured by the chosen measure, with a legend.
   The classes and colours come from the server (the same as the table and the printed map);
   static/js/mapkit.js builds the base map. Every text from the database is set with
   textContent, never as HTML. */
(function () {
  "use strict";
  var kit = window.BuurtkrachtMapKit;
  var data = kit && kit.layerData();
  var map = data && kit.createMap();
  if (!map) { return; }
  var el = kit.el;
  var labels = data.labels || {};
  map.options.zoomSnap = 0.25;  // a tall city in a wide frame: whole zoom steps leave it small

  var layer = L.geoJSON(data, {
    style: function (feature) {
      return { color: "#333", weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.75 };
    },
    onEachFeature: function (feature, area) {
      var p = feature.properties;
      var tip = el("span", "review-tip");
      tip.appendChild(el("strong", "", p.name));
      tip.appendChild(document.createTextNode(": " + p.text));
      area.bindTooltip(tip, { sticky: true });
      area.on("click", function () { window.location.href = p.url; });
      area.on("add", function () {
        // Each area is a link a keyboard can reach: Enter opens its profile.
        var node = area.getElement();
        if (!node) { return; }
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "link");
        node.setAttribute("aria-label", p.name + ": " + p.text);
        node.addEventListener("keydown", function (event) {
          if (event.key === "Enter") { window.location.href = p.url; }
        });
        node.addEventListener("focus", function () { area.setStyle({ weight: 3, color: "#000" }); area.openTooltip(); });
        node.addEventListener("blur", function () { area.setStyle({ weight: 1, color: "#333" }); area.closeTooltip(); });
      });
    }
  }).addTo(map);

  // The legend inside the map (the same legend stays below the map for print and small screens,
  // so this one is hidden from screen readers).
  kit.addLegend(map, labels.legend, data.legend, { className: "review-map-legend", swatchClass: "legend-swatch",
                                                  hidden: true });

  // The first view is set without animation, so that "map-ready" means drawn where it stays.
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false }); }
  kit.ready(map, labels.map);
})();
