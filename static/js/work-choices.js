/* Choice lists narrowed as you type (community/work/choices.py). Without this script the search
   button sends the form with GET and the page comes back with the matches; with it, the matches
   are fetched as JSON from the same rules and replace the list's options, the chosen ones kept,
   and the count is read out by a live region. Texts come from the server; option labels are set
   as text, never as HTML. */
(function () {
  "use strict";
  var DELAY = 250;

  function chosenValues(target) {
    if (target.tagName === "SELECT") { return target.value ? [target.value] : []; }
    return Array.prototype.map.call(target.querySelectorAll("input:checked"), function (box) { return box.value; });
  }

  function fillSelect(select, options) {
    var keep = select.value;
    var empty = select.options.length && select.options[0].value === "" ? select.options[0] : null;
    select.replaceChildren();
    if (empty) { select.append(empty); }
    options.forEach(function (o) { select.append(new Option(o.label, o.id, false, o.id === keep)); });
  }

  function fillBoxes(fieldset, options) {
    var list = fieldset.querySelector(".choice-list");
    var checked = chosenValues(fieldset);
    var name = fieldset.id;
    list.replaceChildren();
    options.forEach(function (o, i) {
      var row = document.createElement("div");
      row.className = "choice";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = name;
      box.id = name + "-" + i;
      box.value = o.id;
      box.checked = checked.indexOf(o.id) >= 0;
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = o.label;
      row.append(box, label);
      list.append(row);
    });
  }

  /* The rooms of the listed places; only the chosen place's once a place is chosen. */
  function Rooms(select, places) {
    var all = [];
    var empty = select.options[0];
    function read() {
      all = Array.prototype.slice.call(select.options, 1).map(function (o) {
        return { id: o.value, label: o.textContent, place: o.dataset.place };
      });
    }
    function show() {
      var keep = select.value;
      var place = places.value;
      select.replaceChildren(empty);
      all.forEach(function (r) {
        if (!place || r.place === place || r.id === keep) {
          var option = new Option(r.label, r.id, false, r.id === keep);
          option.dataset.place = r.place;
          select.append(option);
        }
      });
    }
    read();
    show();
    places.addEventListener("change", show);
    select.addEventListener("change", function () {
      var room = all.filter(function (r) { return r.id === select.value; })[0];
      if (room && !places.value) { places.value = room.place; show(); }
    });
    return {
      replace: function (byPlace) {
        var keep = all.filter(function (r) { return r.id === select.value; });
        all = keep.slice();
        Object.keys(byPlace).forEach(function (place) {
          byPlace[place].forEach(function (r) {
            if (!keep.length || r.id !== keep[0].id) { all.push({ id: r.id, label: r.label, place: place }); }
          });
        });
        show();
      }
    };
  }

  document.querySelectorAll("[data-search-choice]").forEach(function (row) {
    var input = row.querySelector("input[type=search]");
    var go = row.querySelector(".search-go");
    var count = row.querySelector(".search-count");
    var target = document.getElementById(row.dataset.target);
    if (!input || !target || !window.fetch) { return; }
    var roomSelect = document.querySelector("select[data-rooms-of='" + target.id + "']");
    var rooms = roomSelect ? Rooms(roomSelect, target) : null;
    var timer = null;
    var asked = 0;

    function search() {
      var url = row.dataset.searchChoice;
      url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(input.value.trim());
      chosenValues(target).forEach(function (id) { url += "&chosen=" + encodeURIComponent(id); });
      var mine = ++asked;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (found) {
          if (mine !== asked) { return; }  // a later search is on its way
          if (target.tagName === "SELECT") { fillSelect(target, found.options); } else { fillBoxes(target, found.options); }
          if (rooms && found.rooms) { rooms.replace(found.rooms); }
          count.textContent = found.message || "";
        })
        .catch(function () { /* the search button still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); search(); }
    });
    if (go) {
      go.addEventListener("click", function (e) { e.preventDefault(); clearTimeout(timer); search(); });
    }
  });

  /* Enter in an ordinary field saves, as on a form without search buttons (their buttons come first). */
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-search-choice]")) { return; }
    var save = form.querySelector("button[type=submit]");
    form.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.key !== "Enter" || t.tagName !== "INPUT" || !save) { return; }
      if (["search", "submit", "button", "checkbox", "radio"].indexOf(t.type) >= 0) { return; }
      e.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(save); } else { save.click(); }
    });
  });
})();
