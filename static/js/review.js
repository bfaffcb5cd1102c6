/* Coverage review map: areas coloured by the chosen measure, with a legend.
   The classes and colours come from the server (the same as the table and the printed map).
   Every text from the database is set with textContent, never as HTML. */
(function () {
  "use strict";
  var map = window.buurtkrachtMap;
  var dataNode = document.getElementById("review-map-data");
  if (!map || !dataNode || typeof L === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var labels = data.labels || {};
  if (map.getMaxZoom() === Infinity) { map.setMaxZoom(19); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

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

  // The legend inside the map (the same legend stays below the map for print and small screens).
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var box = el("div", "bk-legend review-map-legend");
    box.setAttribute("aria-hidden", "true");
    box.appendChild(el("strong", "", labels.legend || ""));
    var list = el("ul");
    (data.legend || []).forEach(function (entry) {
      var item = el("li");
      var swatch = el("span", "legend-swatch");
      swatch.style.background = entry.colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + entry.label));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  };
  legend.addTo(map);

  // Folium sizes the map before our stylesheet has laid the frame out: measure again first.
  map.invalidateSize();
  map.options.zoomSnap = 0.25;  // a tall city in a wide frame: whole zoom steps leave it small
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
  map.getContainer().setAttribute("aria-label", labels.map || "Map");
  map.getContainer().setAttribute("role", "region");
  document.documentElement.classList.add("map-ready");
})();
