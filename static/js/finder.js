/* Finder extras that need JavaScript: "use my location". The position only goes into the search
   URL (rounded to about 10 m); it is never stored. Without JavaScript the button stays hidden. */
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
