/* The network circle (/network-circle): drawn, listed and kept in the browser only.
 *
 * Nothing about the resident's network leaves this page: the contact form has no server action and
 * no named fields, the circle is kept in memory, and it is only stored when the person asks, as a file
 * they keep or in localStorage, both encrypted with their passphrase (PBKDF2-SHA-256 -> AES-GCM).
 * Names are user text: they are written with textContent and createElementNS, never as HTML.
 * The labels come from the JSON island #circle-config (written by the server with tojson).
 */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var SECTORS = ["family", "friends", "community", "professional", "none"];
  var REAL_SECTORS = ["family", "friends", "community", "professional"];
  var RINGS = ["1", "2", "3"];
  // Radii of "me" and the outer edge of each ring, and where the wedges start and end (degrees,
  // -90 is straight up): "no sector chosen yet" is the narrow wedge at the top.
  var RADII = [32, 102, 172, 242];
  var WEDGES = {none: [-112, -68], family: [-68, 12], friends: [12, 90], community: [90, 168],
    professional: [168, 248]};
  // x, anchor, baseline of the last line (above the rings) or of the first line (below them).
  var LABEL_SPOTS = {none: [0, "middle", -256], family: [305, "end", -256], professional: [-305, "start", -256],
    community: [-305, "start", 272], friends: [305, "end", 272]};
  var ITERATIONS = 310000;
  var FORMAT = "buurtkracht-network-circle";

  // ---- Pure parts (window.NetworkCircle, for the tests) ----

  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  /* What the drawing shows, as codes: the page turns them into neutral sentences. */
  function summarize(contacts, functionCodes) {
    var bySector = {}, byRing = {}, brings = {};
    SECTORS.forEach(function (s) { bySector[s] = 0; });
    RINGS.forEach(function (r) { byRing[r] = 0; });
    var mutual = 0, strain = 0;
    contacts.forEach(function (c) {
      bySector[c.sector] = (bySector[c.sector] || 0) + 1;
      byRing[c.ring] = (byRing[c.ring] || 0) + 1;
      (c.functions || []).forEach(function (f) { brings[f] = true; });
      if (c.mutual) { mutual += 1; }
      if (c.strain) { strain += 1; }
    });
    var used = REAL_SECTORS.filter(function (s) { return bySector[s] > 0; });
    return {
      count: contacts.length,
      sectorsUsed: used,
      sectorsEmpty: REAL_SECTORS.filter(function (s) { return bySector[s] === 0; }),
      ringsEmpty: RINGS.filter(function (r) { return byRing[r] === 0; }),
      functionsEmpty: functionCodes.filter(function (f) { return !brings[f]; }),
      professionalsOnly: contacts.length > 0 && used.length === 1 && used[0] === "professional" &&
        bySector.none === 0,
      oneWay: contacts.length > 0 && mutual === 0,
      mutual: mutual,
      strain: strain
    };
  }

  function point(radius, degrees) {
    var a = degrees * Math.PI / 180;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  }

  /* Where each contact goes: spread over its wedge in its ring, in two rows when the cell is full. */
  function layout(contacts) {
    var cells = {};
    contacts.forEach(function (c) {
      var key = c.sector + "|" + c.ring;
      (cells[key] = cells[key] || []).push(c);
    });
    var places = {};
    Object.keys(cells).forEach(function (key) {
      var list = cells[key], sector = key.split("|")[0], ring = Number(key.split("|")[1]);
      var wedge = WEDGES[sector] || WEDGES.none;
      var inner = RADII[ring - 1], outer = RADII[ring], middle = (inner + outer) / 2;
      var perRow = Math.max(1, Math.floor((wedge[1] - wedge[0]) * Math.PI / 180 * middle / 46));
      var twoRows = list.length > perRow;
      var columns = twoRows ? Math.ceil(list.length / 2) : list.length;
      list.forEach(function (c, i) {
        var column = twoRows ? Math.floor(i / 2) : i;
        var radius = twoRows ? middle + (i % 2 ? 16 : -16) : middle;
        var angle = wedge[0] + (column + 0.5) * (wedge[1] - wedge[0]) / columns;
        places[c.id] = point(radius, angle);
      });
    });
    return places;
  }

  function b64(bytes) {
    var s = "";
    new Uint8Array(bytes).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s);
  }

  function unb64(text) {
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i += 1) { out[i] = s.charCodeAt(i); }
    return out;
  }

  function cryptoReady() {
    return !!(window.crypto && window.crypto.subtle && window.TextEncoder);
  }

  function deriveKey(passphrase, salt, iterations) {
    return crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"])
      .then(function (base) {
        return crypto.subtle.deriveKey({name: "PBKDF2", salt: salt, iterations: iterations, hash: "SHA-256"},
          base, {name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"]);
      });
  }

  /* An envelope with the salt, the IV and the ciphertext; the passphrase is never written. */
  function seal(payload, passphrase) {
    var salt = crypto.getRandomValues(new Uint8Array(16)), iv = crypto.getRandomValues(new Uint8Array(12));
    return deriveKey(passphrase, salt, ITERATIONS).then(function (key) {
      var plain = new TextEncoder().encode(JSON.stringify(payload));
      return crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, key, plain);
    }).then(function (cipher) {
      return {format: FORMAT, version: 1, kdf: "PBKDF2-SHA-256", iterations: ITERATIONS, cipher: "AES-GCM-256",
        salt: b64(salt), iv: b64(iv), data: b64(cipher)};
    });
  }

  function unseal(envelope, passphrase) {
    return Promise.resolve().then(function () {
      if (!envelope || envelope.format !== FORMAT || envelope.version !== 1) { throw new Error("format"); }
      var iterations = Number(envelope.iterations);
      if (!(iterations >= 100000 && iterations <= 10000000)) { throw new Error("format"); }
      return deriveKey(passphrase, unb64(envelope.salt), iterations).then(function (key) {
        return crypto.subtle.decrypt({name: "AES-GCM", iv: unb64(envelope.iv)}, key, unb64(envelope.data));
      });
    }).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    });
  }

  window.NetworkCircle = {summarize: summarize, layout: layout, seal: seal, unseal: unseal, fill: fill};

  // ---- The page ----

  var island = document.getElementById("circle-config");
  if (!island) { return; }
  var cfg = JSON.parse(island.textContent);
  var msg = cfg.messages;
  var labels = {};
  Object.keys(cfg.vocabularies).forEach(function (name) {
    labels[name] = {};
    cfg.vocabularies[name].forEach(function (pair) { labels[name][pair[0]] = pair[1]; });
  });
  var functionCodes = cfg.vocabularies.functions.map(function (pair) { return pair[0]; });
  var $ = function (id) { return document.getElementById(id); };

  var state = {contacts: [], view: {}, snapshots: []};
  var nextId = 1;
  var remembered = null;  // {passphrase} while "remember on this device" is on

  function sanitizeContact(raw) {
    var known = function (list, value) { return list.indexOf(value) >= 0 ? value : ""; };
    var codes = function (vocab, values) {
      return (Array.isArray(values) ? values : []).filter(function (v) { return labels[vocab][v] !== undefined; });
    };
    return {id: "c" + (nextId++), name: String(raw.name || "").slice(0, 40),
      ring: known(RINGS, String(raw.ring)) || "3", sector: known(SECTORS, raw.sector) || "none",
      functions: codes("functions", raw.functions), often: labels.frequencies[raw.often] ? raw.often : "",
      channels: codes("channels", raw.channels), mutual: !!raw.mutual, strain: !!raw.strain};
  }

  function svg(name, attrs, parent) {
    var el = document.createElementNS(SVGNS, name);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(el); }
    return el;
  }

  function arc(inner, outer, from, to) {
    var a = point(outer, from), b = point(outer, to), c = point(inner, to), d = point(inner, from);
    var large = to - from > 180 ? 1 : 0;
    return "M" + a + " A" + outer + " " + outer + " 0 " + large + " 1 " + b + " L" + c +
      " A" + inner + " " + inner + " 0 " + large + " 0 " + d + " Z";
  }

  function wrap(text, width) {
    var lines = [], line = "";
    String(text).split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function short(name) {
    var chars = Array.from(name);
    return chars.length > 12 ? chars.slice(0, 11).join("") + "…" : name;
  }

  function draw() {
    $("circle-svg").replaceChildren(drawing(state.contacts, "circle-svg-title", msg.drawing));
  }

  // A tap or click on someone in the drawing opens them in the form (the list does the same by keyboard).
  $("circle-svg").addEventListener("click", function (event) {
    var group = event.target.closest && event.target.closest("g.contact");
    if (group) { edit(group.getAttribute("data-id")); }
  });

  function drawing(contacts, titleId, titleText) {
    var root = svg("svg", {viewBox: "-310 -310 620 620", role: "img", "aria-labelledby": titleId,
      "class": "circle-graphic", focusable: "false"});
    var title = svg("title", {id: titleId}, root);
    title.textContent = titleText;
    SECTORS.forEach(function (sector) {
      var wedge = WEDGES[sector];
      for (var ring = 1; ring <= 3; ring += 1) {
        svg("path", {d: arc(RADII[ring - 1], RADII[ring], wedge[0], wedge[1]),
          "class": "wedge sector-" + sector + " ring-" + ring}, root);
      }
      // Sector names in the corners outside the rings, where a phone still has room for large type.
      var spot = LABEL_SPOTS[sector], lines = wrap(cfg.short_sectors[sector], sector === "none" ? 8 : 16);
      var y0 = spot[2] < 0 ? spot[2] - (lines.length - 1) * 26 : spot[2];
      var text = svg("text", {x: spot[0], y: y0, "text-anchor": spot[1], "class": "sector-label"}, root);
      lines.forEach(function (line, i) {
        var span = svg("tspan", {x: spot[0], dy: i ? 26 : 0}, text);
        span.textContent = line;
      });
    });
    RINGS.forEach(function (ring, i) {
      // On the line between two sectors at the bottom, where no one is placed.
      var t = svg("text", {x: 0, y: (RADII[i] + RADII[i + 1]) / 2 + 6, "text-anchor": "middle", "class": "ring-label"}, root);
      t.textContent = labels.rings[ring];
    });
    var places = layout(contacts);
    contacts.forEach(function (c) {
      var p = places[c.id];
      svg("line", {x1: 0, y1: 0, x2: p[0], y2: p[1], "class": "tie" + (c.strain ? " tie-strain" : "") +
        (c.mutual ? " tie-mutual" : "")}, root);
    });
    svg("circle", {cx: 0, cy: 0, r: RADII[0], "class": "me"}, root);
    var me = svg("text", {x: 0, y: 7, "text-anchor": "middle", "class": "me-label"}, root);
    me.textContent = msg.me;
    contacts.forEach(function (c) {
      var p = places[c.id];
      var g = svg("g", {"class": "contact", "data-id": c.id}, root);
      var t = svg("title", {}, g);
      t.textContent = c.name;
      svg("circle", {cx: p[0], cy: p[1], r: 9, "class": "dot sector-" + c.sector + (c.strain ? " dot-strain" : "")}, g);
      // The name goes outward, away from "me": to the right on the right half, to the left on the left.
      var length = Math.sqrt(p[0] * p[0] + p[1] * p[1]) || 1, cos = p[0] / length, sin = p[1] / length;
      var side = cos > 0.35 ? "start" : cos < -0.35 ? "end" : "middle";
      // ... unless it would run off the drawing: then it goes inward (about 14 units a character).
      var width = Array.from(short(c.name)).length * 14;
      if (side === "start" && p[0] + 15 + width > 308) { side = "end"; }
      else if (side === "end" && p[0] - 15 - width < -308) { side = "start"; }
      var lx = p[0] + (side === "start" ? 15 : side === "end" ? -15 : 0);
      if (side === "middle") { lx = Math.max(-308 + width / 2, Math.min(308 - width / 2, lx)); }
      var ly = side === "middle" ? p[1] + (sin > 0 ? 34 : -16) : p[1] + 9;
      var label = svg("text", {x: lx, y: ly, "text-anchor": side, "class": "contact-label"}, g);
      label.textContent = short(c.name);
    });
    return root;
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function list() {
    var body = $("circle-table").querySelector("tbody");
    // The column names, for the small-screen layout where every row is a block of "name: value" lines.
    var heads = Array.prototype.map.call($("circle-table").querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    var rows = [];
    state.contacts.forEach(function (c) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = c.name;
      tr.appendChild(th);
      cell(tr, labels.rings[c.ring]);
      cell(tr, labels.sectors[c.sector]);
      cell(tr, c.functions.map(function (f) { return labels.functions[f]; }).join(", "));
      cell(tr, c.often ? labels.frequencies[c.often] : "");
      cell(tr, c.channels.map(function (f) { return labels.channels[f]; }).join(", "));
      cell(tr, c.mutual ? msg.yes : msg.no);
      cell(tr, c.strain ? msg.yes : msg.no);
      Array.prototype.forEach.call(tr.children, function (el, i) { el.setAttribute("data-label", heads[i] || ""); });
      var actions = cell(tr, "");
      actions.className = "no-print actions";
      [["change", edit], ["remove", remove]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = msg[pair[0]] + " ";
        var who = document.createElement("span");
        who.className = "visually-hidden";
        who.textContent = c.name;
        button.appendChild(who);
        button.addEventListener("click", function () { pair[1](c.id); });
        actions.appendChild(button);
      });
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
    $("circle-table").hidden = state.contacts.length === 0;
    $("circle-empty").hidden = state.contacts.length > 0;
  }

  function names(vocab, codes) {
    return codes.map(function (code) { return labels[vocab][code]; }).join(", ");
  }

  function summary() {
    var s = summarize(state.contacts, functionCodes);
    $("circle-summary").replaceChildren.apply($("circle-summary"), items(sentences(s)));
    offers(s);
  }

  function items(lines) {
    return lines.map(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      return li;
    });
  }

  function sentences(s) {
    var lines = [];
    if (s.count === 0) {
      lines.push(msg.empty);
    } else {
      lines.push(fill(s.count === 1 ? msg.count_one : msg.count_other, {n: s.count}));
      lines.push(fill(msg.sectors_used, {n: s.sectorsUsed.length}));
      if (s.sectorsEmpty.length) { lines.push(fill(msg.sectors_empty, {list: names("sectors", s.sectorsEmpty)})); }
      if (s.ringsEmpty.length) { lines.push(fill(msg.rings_empty, {list: names("rings", s.ringsEmpty)})); }
      if (s.professionalsOnly) { lines.push(msg.professionals_only); }
      lines.push(s.functionsEmpty.length ? fill(msg.functions_empty, {list: names("functions", s.functionsEmpty)})
        : msg.functions_all);
      lines.push(s.oneWay ? msg.one_way : fill(msg.mutual, {n: s.mutual}));
      if (s.strain) { lines.push(fill(msg.strain, {n: s.strain})); }
    }
    return lines;
  }

  /* Then and now: an earlier drawing from the saved file beside the one on screen. */
  function compare() {
    var today = new Date().toISOString().slice(0, 10);
    var earlier = state.snapshots.filter(function (snap) { return snap.date && snap.date !== today; });
    var section = $("circle-compare"), select = $("compare-select");
    section.hidden = earlier.length === 0;
    if (!earlier.length) { return; }
    var chosen = select.value;
    select.replaceChildren.apply(select, earlier.map(function (snap) {
      var option = document.createElement("option");
      option.value = snap.date;
      option.textContent = snap.date;
      return option;
    }));
    var dates = earlier.map(function (snap) { return snap.date; });
    select.value = dates.indexOf(chosen) >= 0 ? chosen : dates[0];  // the oldest: where the work began
    var then = earlier.filter(function (snap) { return snap.date === select.value; })[0];
    var thenContacts = then.contacts.slice(0, 200).map(sanitizeContact);
    var sides = [["compare-then", thenContacts, fill(msg.then, {date: then.date})], ["compare-now", state.contacts, msg.now]];
    sides.forEach(function (side) {
      var box = $(side[0]);
      var heading = document.createElement("h3");
      heading.textContent = side[2];
      var lines = document.createElement("ul");
      lines.replaceChildren.apply(lines, items(sentences(summarize(side[1], functionCodes))));
      box.replaceChildren(heading, drawing(side[1], side[0] + "-title", side[2] + ". " + msg.drawing), lines);
    });
  }

  /* The finder's filter for the network functions nobody brings: only codes, never a name. */
  function offers(s) {
    var thin = s.functionsEmpty.filter(function (f) { return cfg.finder_functions.indexOf(f) >= 0; });
    var hidden = thin.map(function (code) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "function";
      input.value = code;
      return input;
    });
    $("offers-hidden").replaceChildren.apply($("offers-hidden"), hidden);
    $("offers-functions").textContent = thin.length ? fill(msg.offers_for, {list: names("functions", thin)})
      : msg.offers_all;
    // Working models for the sectors with no one yet: one finder link each, carrying only the model code.
    var empty = s.count ? s.sectorsEmpty.filter(function (sector) { return cfg.sector_models[sector]; }) : [];
    var models = [];
    empty.forEach(function (sector) {
      cfg.sector_models[sector].forEach(function (code) { if (models.indexOf(code) < 0) { models.push(code); } });
    });
    var intro = $("offers-models-intro"), list = $("offers-models");
    intro.textContent = models.length ? fill(msg.models_for, {list: names("sectors", empty)}) : "";
    intro.hidden = list.hidden = models.length === 0;
    list.replaceChildren.apply(list, models.map(function (code) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = cfg.finder_url + "?model=" + encodeURIComponent(code);
      link.textContent = cfg.models[code];
      li.appendChild(link);
      return li;
    }));
  }

  function viewText() {
    var chosen = [];
    document.querySelectorAll("input[data-view]").forEach(function (input) {
      input.checked = state.view[input.dataset.view] === input.value;
      if (input.checked && input.value !== "unsaid") { chosen.push(input.dataset.label); }
    });
    $("circle-view-text").textContent = chosen.length ? fill(msg.view_words, {list: chosen.join("; ")}) : msg.view_none;
  }

  function render() {
    draw();
    list();
    summary();
    viewText();
    compare();
    keepLocal();
  }

  function status(text) { $("circle-status").textContent = text; }
  function keepStatus(text) { $("keep-status").textContent = text; }

  // ---- The contact form ----

  var form = $("contact-form");

  function resetForm() {
    form.reset();
    $("contact-id").value = "";
    $("contact-sector").value = "none";
    $("contact-submit").textContent = msg.add;
    $("contact-cancel").hidden = true;
    $("contact-name-error").hidden = true;
    $("contact-name").removeAttribute("aria-invalid");
  }

  function readForm() {
    var checked = function (attr) {
      return Array.prototype.filter.call(form.querySelectorAll("input[" + attr + "]"), function (i) { return i.checked; })
        .map(function (i) { return i.getAttribute(attr); });
    };
    return {name: $("contact-name").value.trim(), ring: $("contact-ring").value, sector: $("contact-sector").value,
      functions: checked("data-function"), often: $("contact-often").value, channels: checked("data-channel"),
      mutual: $("contact-mutual").checked, strain: $("contact-strain").checked};
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = readForm();
    if (!data.name) {
      var error = $("contact-name-error");
      error.textContent = msg.name_needed;
      error.hidden = false;
      $("contact-name").setAttribute("aria-invalid", "true");
      $("contact-name").focus();
      return;
    }
    var contact = sanitizeContact(data);
    var id = $("contact-id").value;
    if (id) {
      contact.id = id;
      state.contacts = state.contacts.map(function (c) { return c.id === id ? contact : c; });
      status(fill(msg.changed, {name: contact.name}));
    } else {
      state.contacts.push(contact);
      status(fill(msg.added, {name: contact.name}));
    }
    resetForm();
    render();
    $("contact-name").focus();
  });

  $("compare-select").addEventListener("change", compare);

  $("contact-cancel").addEventListener("click", function () { resetForm(); $("contact-name").focus(); });

  function edit(id) {
    var c = state.contacts.filter(function (x) { return x.id === id; })[0];
    if (!c) { return; }
    resetForm();
    $("contact-id").value = c.id;
    $("contact-name").value = c.name;
    $("contact-ring").value = c.ring;
    $("contact-sector").value = c.sector;
    $("contact-often").value = c.often;
    form.querySelectorAll("input[data-function]").forEach(function (i) { i.checked = c.functions.indexOf(i.dataset.function) >= 0; });
    form.querySelectorAll("input[data-channel]").forEach(function (i) { i.checked = c.channels.indexOf(i.dataset.channel) >= 0; });
    $("contact-mutual").checked = c.mutual;
    $("contact-strain").checked = c.strain;
    if (c.functions.length || c.often || c.channels.length || c.mutual || c.strain) { form.querySelector("details").open = true; }
    $("contact-submit").textContent = msg.save_change;
    $("contact-cancel").hidden = false;
    $("contact-name").focus();
  }

  function remove(id) {
    var c = state.contacts.filter(function (x) { return x.id === id; })[0];
    if (!c) { return; }
    state.contacts = state.contacts.filter(function (x) { return x.id !== id; });
    if ($("contact-id").value === id) { resetForm(); }
    status(fill(msg.removed, {name: c.name}));
    render();
    $("contact-name").focus();
  }

  document.querySelectorAll("input[data-view]").forEach(function (input) {
    input.addEventListener("change", function () {
      state.view[input.dataset.view] = input.value;
      viewText();
      keepLocal();
    });
  });

  // Empty finder conditions stay out of the query.
  $("offers-form").addEventListener("submit", function () {
    $("offers-form").querySelectorAll("select, input[type=text]").forEach(function (el) { el.disabled = !el.value; });
    window.setTimeout(function () {
      $("offers-form").querySelectorAll("select, input").forEach(function (el) { el.disabled = false; });
    }, 0);
  });

  // ---- Keep: a file, this device, or paper ----

  function payload() {
    var today = new Date().toISOString().slice(0, 10);
    var snapshots = state.snapshots.filter(function (s) { return s.date !== today; });
    snapshots.push({date: today, contacts: state.contacts.map(function (c) {
      return {name: c.name, ring: c.ring, sector: c.sector, functions: c.functions, often: c.often,
        channels: c.channels, mutual: c.mutual, strain: c.strain};
    }), view: state.view});
    return {snapshots: snapshots};
  }

  function load(data) {
    var snapshots = Array.isArray(data && data.snapshots) ? data.snapshots : [];
    var last = snapshots[snapshots.length - 1] || {contacts: [], view: {}};
    state.snapshots = snapshots.slice(0, 50).map(function (s) {
      return {date: String(s.date || "").slice(0, 10), contacts: Array.isArray(s.contacts) ? s.contacts : [], view: s.view || {}};
    });
    state.contacts = (Array.isArray(last.contacts) ? last.contacts : []).slice(0, 200).map(sanitizeContact);
    state.view = {};
    ["feel", "size"].forEach(function (k) { if (last.view && typeof last.view[k] === "string") { state.view[k] = last.view[k]; } });
    resetForm();
    render();
    keepStatus(fill(state.contacts.length === 1 ? msg.opened_one : msg.opened_other, {n: state.contacts.length}));
  }

  function passphrase() {
    var value = $("keep-passphrase").value;
    if (value.length < 8) {
      keepStatus(msg.passphrase_short);
      $("keep-passphrase").focus();
      return null;
    }
    return value;
  }

  function noCrypto() {
    if (cryptoReady()) { return false; }
    keepStatus(msg.no_crypto);
    return true;
  }

  $("keep-save").addEventListener("click", function () {
    if (noCrypto()) { return; }
    var pass = passphrase();
    if (!pass) { return; }
    seal(payload(), pass).then(function (envelope) {
      var blob = new Blob([JSON.stringify(envelope)], {type: "application/json"});
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "network-circle-" + new Date().toISOString().slice(0, 10) + ".circle";
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      keepStatus(msg.saved);
    });
  });

  $("keep-file").addEventListener("change", function () {
    var file = $("keep-file").files[0];
    if (!file || noCrypto()) { return; }
    var pass = passphrase();
    if (!pass) { $("keep-file").value = ""; return; }
    file.text().then(function (text) { return unseal(JSON.parse(text), pass); })
      .then(load, function () { keepStatus(msg.open_failed); })
      .then(function () { $("keep-file").value = ""; });
  });

  var storage = null;
  try { storage = window.localStorage; } catch (e) { storage = null; }
  var pending = null;

  function keepLocal() {
    if (!remembered || !storage) { return; }
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      seal(payload(), remembered.passphrase).then(function (envelope) {
        if (remembered) { storage.setItem(cfg.storage_key, JSON.stringify(envelope)); }
      });
    }, 300);
  }

  function localButtons() {
    var kept = !!(storage && storage.getItem(cfg.storage_key));
    $("keep-open-local").hidden = !kept;
    $("keep-forget").hidden = !kept;
  }

  $("keep-remember").addEventListener("change", function () {
    var box = $("keep-remember");
    if (!storage || noCrypto()) { box.checked = false; return; }
    if (box.checked) {
      var pass = passphrase();
      if (!pass) { box.checked = false; return; }
      remembered = {passphrase: pass};
      seal(payload(), pass).then(function (envelope) {
        storage.setItem(cfg.storage_key, JSON.stringify(envelope));
        localButtons();
        keepStatus(msg.kept);
      });
    } else {
      forget();
    }
  });

  function forget() {
    remembered = null;
    window.clearTimeout(pending);
    if (storage) { storage.removeItem(cfg.storage_key); }
    $("keep-remember").checked = false;
    localButtons();
    keepStatus(msg.forgotten);
  }

  $("keep-forget").addEventListener("click", forget);

  $("keep-open-local").addEventListener("click", function () {
    if (noCrypto()) { return; }
    var pass = passphrase();
    if (!pass) { return; }
    var envelope;
    try { envelope = JSON.parse(storage.getItem(cfg.storage_key)); } catch (e) { envelope = null; }
    unseal(envelope, pass).then(function (data) {
      remembered = {passphrase: pass};
      $("keep-remember").checked = true;
      load(data);
    }, function () { keepStatus(msg.open_failed); });
  });

  if (!cryptoReady()) { $("keep-remember").disabled = true; }
  localButtons();
  render();
})();
