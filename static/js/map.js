/* Buurtkracht map: draws district boundaries and offer markers from the page's JSON data.
   Every text from the database is set with textContent, never as HTML. */
(function () {
  "use strict";
  var map = window.buurtkrachtMap;
  var dataNode = document.getElementById("map-data");
  if (!map || !dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  // Without a tile layer (offline, or tiles switched off) Leaflet has no maxZoom; clustering needs one.
  if (map.getMaxZoom() === Infinity) { map.setMaxZoom(19); }
  var labels = data.labels || {};
  var styles = data.styles || {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  var areasLayer = null;
  if (data.areas && data.areas.features && data.areas.features.length) {
    areasLayer = L.geoJSON(data.areas, {
      style: function () { return { color: "#444", weight: 1.5, fill: true, fillOpacity: 0.03, dashArray: "4 3" }; },
      interactive: true,
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(el("span", "", feature.properties.name), { sticky: true });
      }
    }).addTo(map);
  }

  var cluster = (typeof L.markerClusterGroup === "function")
    ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 })
    : L.layerGroup();
  var bounds = [];
  // Each meeting place and each "Next: ..." text comes once; markers name them by index
  // (see community.services.public.map_data).
  var places = data.places || [];
  var texts = data.texts || [];
  // One icon for all markers: Leaflet makes a new element from it for each marker it shows.
  var icon = L.divIcon({
    className: "bk-marker",
    html: "",
    iconSize: [28, 28],
    iconAnchor: [14, 14],
    popupAnchor: [0, -12]
  });

  function popupContent(name, placeName, nextText, free, childcare, id) {
    var popup = el("div", "bk-popup");
    var link = el("a", "bk-popup-title", name);
    link.href = data.detail_base + id;
    popup.appendChild(link);
    popup.appendChild(el("div", "bk-popup-place", placeName));
    if (nextText) { popup.appendChild(el("div", "bk-popup-next", nextText)); }
    var marks = [];
    if (free) { marks.push(labels.free || "free"); }
    if (childcare) { marks.push(labels.childcare || "children welcome"); }
    if (marks.length) { popup.appendChild(el("div", "bk-popup-marks", marks.join(" · "))); }
    return popup;
  }

  function addMarker(m) {
    var place = places[m.place];
    var name = m.name;
    var style = styles[(m.models && m.models[0]) || "location"] || ["#000000", "?"];
    var nextText = m.next >= 0 ? texts[m.next] : null;
    var marker = L.marker([place[0], place[1]], { icon: icon, title: name, alt: name, keyboard: true });
    marker.on("add", function () {
      var node = marker.getElement();
      if (node && !node.firstChild) {
        node.style.background = style[0];
        node.appendChild(el("span", "bk-marker-letter", style[1]));
        node.setAttribute("aria-label", name);
      }
    });
    // The popup is built when it opens: thousands of markers need no popup until one is clicked.
    marker.bindPopup(function () { return popupContent(name, place[2], nextText, m.free, m.childcare, m.id); });
    cluster.addLayer(marker);
    bounds.push([place[0], place[1]]);
  }
  (data.markers || []).forEach(addMarker);
  map.addLayer(cluster);

  if (data.legend && data.legend.length) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "bk-legend");
      box.appendChild(el("strong", "", labels.legend || "Working model"));
      var list = el("ul");
      data.legend.forEach(function (entry) {
        var item = el("li");
        var swatch = el("span", "bk-swatch", entry.letter);
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
  }

  if (data.fit !== false) {
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else if (areasLayer) {
      map.fitBounds(areasLayer.getBounds());
    }
  }
  if (data.center) {
    L.circleMarker([data.center.lat, data.center.lon], { radius: 7, color: "#b00020", weight: 3, fillOpacity: 0.6 })
      .bindTooltip(el("span", "", labels.center || "")).addTo(map);
  }
  // Clicking the map searches around that point (the text box does the same without a mouse).
  var form = document.getElementById("finder-form");
  if (form && form.elements.near) {
    map.on("click", function (event) {
      var lat = event.latlng.lat.toFixed(4), lon = event.latlng.lng.toFixed(4);
      var box = el("div", "bk-popup");
      var button = el("button", "bk-search-here", labels.search_here || "Search around here");
      button.type = "button";
      button.addEventListener("click", function () {
        form.elements.near.value = lat + "," + lon;
        form.submit();
      });
      box.appendChild(button);
      L.popup().setLatLng(event.latlng).setContent(box).openOn(map);
    });
  }
  map.getContainer().setAttribute("aria-label", labels.map || "Map");
  map.getContainer().setAttribute("role", "region");
  document.documentElement.classList.add("map-ready");
})();
