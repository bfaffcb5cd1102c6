/* Map point picker: click the map to set latitude/longitude, or look up an address in our own
   address data. The form works without it (the number fields stay). The base map comes from
   mapkit.js, the texts and the look-up address from the page's JSON island (data-picker). */
(function () {
  "use strict";
  var kit = window.BuurtkrachtMapKit;
  if (!kit || !window.L) { return; }
  var el = kit.el;
  document.querySelectorAll(".map-picker").forEach(function (box) {
    var form = box.closest("form");
    var lat = form.querySelector("#" + box.dataset.latField);
    var lon = form.querySelector("#" + box.dataset.lonField);
    var data = kit.readJSON(box.dataset.picker) || {};
    var labels = data.labels || {};
    if (!lat || !lon) { return; }
    box.hidden = false;
    var known = Boolean(lat.value && lon.value);
    var map = kit.createMap(box, known ? { center: [parseFloat(lat.value), parseFloat(lon.value)], zoom: 16 } : null);
    if (!map) { return; }
    var marker = null;
    function place(latlng, zoom) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
      if (zoom) { map.setView(latlng, 17); }
    }
    if (known) { place(map.getCenter()); }
    map.on("click", function (e) { place(e.latlng); });
    // A map made inside a closed <details> has no size yet: measure again when it opens.
    var details = box.closest("details");
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { map.invalidateSize(); } });
    }
    // Address lookup (our own address data): a search box and a list of buttons.
    var search = el("div", "picker-search");
    var label = el("label", "", labels.search || "Look up an address");
    var input = el("input", "input");
    input.type = "search";
    input.id = label.htmlFor = (box.id || "picker") + "-q";
    var go = el("button", "button button-secondary", "\u2192");
    go.type = "button";
    go.setAttribute("aria-label", labels.go || "Search");
    var results = el("ul", "picker-results");
    results.setAttribute("aria-live", "polite");
    search.append(label, input, go);
    box.parentNode.insertBefore(search, box);
    box.parentNode.insertBefore(results, box);
    function lookup() {
      var q = input.value.trim();
      if (q.length < 3 || !data.lookup) { return; }
      var url = data.lookup + (data.lookup.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (rows) {
          results.replaceChildren();
          rows.forEach(function (row) {
            var li = el("li");
            var b = el("button", "", row.label);  // text, never HTML
            b.type = "button";
            b.addEventListener("click", function () {
              place(L.latLng(row.lat, row.lon), true);
              if (box.dataset.address) {
                [["street", row.street], ["number", row.number], ["postcode", row.postcode], ["municipality", row.municipality]]
                  .forEach(function (pair) { var f = form.querySelector("#" + pair[0]); if (f && !f.value) { f.value = pair[1]; } });
              }
            });
            li.appendChild(b); results.appendChild(li);
          });
          if (!rows.length) { results.appendChild(el("li", "", labels.none || "\u2014")); }
        });
    }
    go.addEventListener("click", lookup);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); lookup(); } });
    kit.ready(map, labels.map);
  });
}());
