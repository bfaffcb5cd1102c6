/* Buurtkracht map: draws district boundaries and offer markers from the page's JSON data
   (static/js/mapkit.js builds the base map). Every text from the database is set with
   textContent, never as HTML. */
(function () {
  "use strict";
  var kit = window.BuurtkrachtMapKit;
  var data = kit && kit.layerData();
  var map = data && kit.createMap();
  if (!map) { return; }
  var el = kit.el;
  var labels = data.labels || {};
  var styles = data.styles || {};

  var areasLayer = kit.addAreas(map, data.areas, { names: true });

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

  // A popup fits the map's width and takes at most about half its height: a very long name
  // scrolls inside it, and panning to show it does not push its marker under the attribution
  // (360 px phones); the top padding keeps it clear of the scale there.
  var mapSize = map.getSize();
  var popupOptions = { maxWidth: Math.max(160, Math.min(300, mapSize.x - 70)),
                       maxHeight: Math.max(120, Math.round(mapSize.y * 0.5)),
                       autoPanPaddingTopLeft: [8, 48], autoPanPaddingBottomRight: [8, 8] };

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
    marker.bindPopup(function () { return popupContent(name, place[2], nextText, m.free, m.childcare, m.id); },
                     popupOptions);
    cluster.addLayer(marker);
    bounds.push([place[0], place[1]]);
  }
  (data.markers || []).forEach(addMarker);
  map.addLayer(cluster);

  if (data.legend && data.legend.length) {
    kit.addLegend(map, labels.legend || "Working model", data.legend);
  }

  // The first view is set without animation, so that "map-ready" means drawn where it stays.
  if (data.fit !== false) {
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
    } else if (areasLayer) {
      map.fitBounds(areasLayer.getBounds(), { animate: false });
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
  kit.ready(map, labels.map);
})();
