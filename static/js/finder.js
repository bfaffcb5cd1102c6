/* Finder extras that need JavaScript: the folded search box on phones, "use my location". The position only goes into the search
   URL (rounded to about 10 m); it is never stored. Without JavaScript the button stays hidden. */
(function () {
  "use strict";
  // After a search on a narrow screen the results come first: the form folds into its summary line.
  var box = document.getElementById("search-box");
  if (box && window.matchMedia && window.matchMedia("(max-width: 40rem)").matches &&
      !box.querySelector("[aria-invalid=true], .field-error")) {
    box.open = false;
  }
})();
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var form = document.getElementById("finder-form");
  if (!button || !form || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.near.value = pos.coords.latitude.toFixed(4) + "," + pos.coords.longitude.toFixed(4);
      form.submit();
    }, function () {
      button.disabled = false;
      var note = document.getElementById("location-note");
      if (note) { note.hidden = false; }
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  });
})();
