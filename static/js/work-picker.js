/* Map point picker: click the map to set latitude/longitude, or look up an address in our own
   address data. The form works without it (the number fields stay). */
(function () {
  "use strict";
  if (!window.L) { return; }
  document.querySelectorAll(".map-picker").forEach(function (box) {
    var form = box.closest("form");
    var lat = form.querySelector("#" + box.dataset.latField);
    var lon = form.querySelector("#" + box.dataset.lonField);
    if (!lat || !lon) { return; }
    box.hidden = false;
    var start = (lat.value && lon.value) ? [parseFloat(lat.value), parseFloat(lon.value)] : [51.054, 3.725];
    var map = L.map(box, { maxZoom: 19 }).setView(start, lat.value ? 16 : 12);
    var marker = null;
    function place(latlng, zoom) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
      if (zoom) { map.setView(latlng, 17); }
    }
    if (lat.value && lon.value) { place(L.latLng(start[0], start[1])); }
    map.on("click", function (e) { place(e.latlng); });
    // Address lookup (our own address data): a search box and a list of buttons.
    var search = document.createElement("div");
    search.className = "picker-search";
    var label = document.createElement("label");
    label.textContent = "Adres zoeken / address";
    label.htmlFor = box.id ? box.id + "-q" : "picker-q";
    var input = document.createElement("input");
    input.type = "search"; input.className = "input"; input.id = label.htmlFor;
    var go = document.createElement("button");
    go.type = "button"; go.className = "button button-secondary"; go.textContent = "→";
    go.setAttribute("aria-label", "Zoeken");
    var results = document.createElement("ul");
    results.className = "picker-results"; results.setAttribute("aria-live", "polite");
    search.append(label, input, go);
    box.parentNode.insertBefore(search, box);
    box.parentNode.insertBefore(results, box);
    function lookup() {
      var q = input.value.trim();
      if (q.length < 3) { return; }
      fetch("/work/addresses?format=json&q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (rows) {
          results.replaceChildren();
          rows.forEach(function (row) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button"; b.textContent = row.label;  // text, never HTML
            b.addEventListener("click", function () {
              place(L.latLng(row.lat, row.lon), true);
              if (box.dataset.address) {
                [["street", row.street], ["number", row.number], ["postcode", row.postcode], ["municipality", row.municipality]]
                  .forEach(function (pair) { var f = form.querySelector("#" + pair[0]); if (f && !f.value) { f.value = pair[1]; } });
              }
            });
            li.appendChild(b); results.appendChild(li);
          });
          if (!rows.length) { var li = document.createElement("li"); li.textContent = "—"; results.appendChild(li); }
        });
    }
    go.addEventListener("click", lookup);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); lookup(); } });
  });
}());
