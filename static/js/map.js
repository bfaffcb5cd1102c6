/* Buurtkracht map: district boundaries and offer markers (static/js/mapkit.js builds the base map).
   A finder page's JSON island gives the first view and the addresses of the map's data: the markers
   (clustered by the server where they are many) and the boundaries of the box in view are asked for
   after every move (community/services/mapdata.py). An area page carries its own few markers and its
   outline in the island. Every text from the database is set with textContent, never as HTML. */
(function () {
  "use strict";
  var kit = window.BuurtkrachtMapKit;
  var data = kit && kit.layerData();
  var map = data && kit.createMap();
  if (!map) { return; }
  var el = kit.el;
  var labels = data.labels || {};
  var styles = data.styles || {};
  var root = document.documentElement;

  // Markers of single offers: markercluster still gathers those that overlap (several offers at
  // one place) and spreads them on a click. The server's clusters are a layer of their own.
  var singles = (typeof L.markerClusterGroup === "function")
    ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 })
    : L.layerGroup();
  var clusters = L.layerGroup();
  map.addLayer(singles);
  map.addLayer(clusters);
  // One icon for all markers: Leaflet makes a new element from it for each marker it shows.
  var icon = L.divIcon({ className: "bk-marker", html: "", iconSize: [28, 28], iconAnchor: [14, 14],
                         popupAnchor: [0, -12] });

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

  var shown = {};  // marker key (offer and place) -> its marker, for the answers by viewport

  /* The markers of one answer (or of the island): each place and "Next: ..." text comes once and
     markers name them by index (see community.services.mapdata.marker_rows). Markers already on
     the map stay (an open popup stays open when its own pan asks again); the others go. */
  function addMarkers(answer, bounds) {
    var places = answer.places || [];
    var texts = answer.texts || [];
    var wanted = {};
    (answer.markers || []).forEach(function (m) {
      var place = places[m.place];
      var key = m.id + "@" + place[0] + "," + place[1];
      wanted[key] = true;
      if (shown[key]) { return; }
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
      // The popup is built when it opens: markers need no popup until one is clicked.
      marker.bindPopup(function () { return popupContent(name, place[2], nextText, m.free, m.childcare, m.id); },
                       popupOptions);
      shown[key] = marker;
      singles.addLayer(marker);
      if (bounds) { bounds.push([place[0], place[1]]); }
    });
    Object.keys(shown).forEach(function (key) {
      if (!wanted[key]) { singles.removeLayer(shown[key]); delete shown[key]; }
    });
  }

  /* A cluster from the server: its count, and a click (or Enter) zooms to the box of its offers. */
  function addCluster(c) {
    var size = c.count < 100 ? "small" : (c.count < 1000 ? "medium" : "large");
    var label = String(labels.cluster || "%(num)s").replace("%(num)s", c.count);
    var marker = L.marker([c.lat, c.lon], {
      icon: L.divIcon({ className: "marker-cluster marker-cluster-" + size + " bk-cluster", html: "",
                        iconSize: [40, 40] }),
      title: label, alt: label, keyboard: true
    });
    marker.on("add", function () {
      var node = marker.getElement();
      if (node && !node.firstChild) {
        var inner = el("div");
        inner.appendChild(el("span", "", c.count));
        node.appendChild(inner);
        node.setAttribute("aria-label", label);
      }
    });
    marker.on("click", function () {
      var b = c.bbox;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {
        padding: [24, 24], maxZoom: Math.min(map.getMaxZoom(), Math.max(data.fit_max_zoom || 16, map.getZoom() + 1))
      });
    });
    clusters.addLayer(marker);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); });
  }

  /* The box in view and a quarter around it, clamped to the world, as "minlon,minlat,maxlon,maxlat". */
  function boxParameter() {
    var b = map.getBounds().pad(0.25);
    var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)).toFixed(5); };
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85),
            clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -85, 85)].join(",");
  }

  var areaLayer = L.layerGroup().addTo(map);
  var areaCodes = {};
  var areaKey = null;

  function areaLevel(zoom) {
    var level = null;
    (data.area_zooms || []).forEach(function (entry) { if (zoom >= entry[1]) { level = entry[0]; } });
    return level;
  }

  /* Boundaries of one answer: a new zoom or level starts afresh (other outlines), a pan adds those
     not drawn yet. */
  function drawAreas(key, geojson) {
    if (key !== areaKey) {
      areaLayer.clearLayers();
      areaCodes = {};
      areaKey = key;
    }
    var fresh = (geojson.features || []).filter(function (f) {
      var code = f.properties.code;
      if (areaCodes[code]) { return false; }
      areaCodes[code] = true;
      return true;
    });
    var layer = kit.addAreas(map, { type: "FeatureCollection", features: fresh }, { names: true });
    if (layer) { map.removeLayer(layer); areaLayer.addLayer(layer); layer.bringToBack(); }
  }

  var asked = 0;
  /* Ask for what the view holds; an answer that a later move made stale is dropped. */
  function load() {
    var mine = ++asked;
    var zoom = map.getZoom();
    var box = boxParameter();
    var sep = data.markers_url.indexOf("?") >= 0 ? "&" : "?";
    root.classList.add("map-loading");
    var jobs = [getJSON(data.markers_url + sep + "bbox=" + box + "&zoom=" + zoom).then(function (answer) {
      if (mine !== asked) { return; }
      clusters.clearLayers();
      addMarkers(answer);
      (answer.clusters || []).forEach(addCluster);
    })];
    var level = areaLevel(zoom);
    if (level && data.areas_url) {
      jobs.push(getJSON(data.areas_url + "?level=" + encodeURIComponent(level) + "&bbox=" + box + "&zoom=" + zoom)
        .then(function (geojson) { if (mine === asked) { drawAreas(level + ":" + zoom, geojson); } }));
    } else {
      areaLayer.clearLayers();
      areaCodes = {};
      areaKey = null;
    }
    // A failed request leaves the map as it was: the list of results shows the same offers.
    return Promise.all(jobs.map(function (job) { return job.catch(function () { return null; }); }))
      .then(function () { if (mine === asked) { root.classList.remove("map-loading"); } });
  }

  // The first view is set without animation, so that "map-ready" means drawn where it stays.
  if (data.markers_url) {
    var e = data.extent;
    if (e) {
      map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { padding: [24, 24], maxZoom: data.fit_max_zoom || 16,
                                                     animate: false });
    }
  } else {
    var bounds = [];
    var ownAreas = kit.addAreas(map, data.areas, { names: true });
    addMarkers(data, bounds);
    if (data.fit !== false) {
      if (bounds.length) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
      } else if (ownAreas) {
        map.fitBounds(ownAreas.getBounds(), { animate: false });
      }
    }
  }

  if (data.legend && data.legend.length) {
    kit.addLegend(map, labels.legend || "Working model", data.legend);
  }
  if (data.center) {
    // "You are here" (or the address searched from), and the search's radius round it.
    if (data.center.radius) {
      L.circle([data.center.lat, data.center.lon], { radius: data.center.radius, color: "#b00020", weight: 2,
                                                     dashArray: "6 6", fill: false, interactive: false }).addTo(map);
    }
    L.circleMarker([data.center.lat, data.center.lon], { radius: 7, color: "#b00020", weight: 3, fillOpacity: 0.6,
                                                         className: "bk-center" })
      .bindTooltip(el("span", "", data.center.label || labels.center || "")).addTo(map);
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

  if (data.markers_url) {
    var timer = null;
    load().then(function () {
      kit.ready(map, labels.map);
      map.on("moveend", function () {
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(load, 120);
      });
    });
  } else {
    kit.ready(map, labels.map);
  }
})();
