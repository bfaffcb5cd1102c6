/* Warn while typing when the reflection looks like it holds an e-mail address or phone number.
   The server checks too; this only tells people sooner. */
(function () {
  "use strict";
  var field = document.getElementById("reflection");
  if (!field) { return; }
  var email = /[\w.+-]+@[\w-]+(\.[\w-]+)+/;
  var phone = /(?:\+|00)?\d(?:[\s./-]?\d){8,}/;
  var note = document.createElement("p");
  note.className = "live-warning";
  note.id = "reflection-live";
  note.setAttribute("aria-live", "polite");
  field.parentNode.insertBefore(note, field.nextSibling);
  var text = document.documentElement.lang === "fr"
    ? "Ce texte semble contenir une adresse e-mail ou un numéro de téléphone. Pas de données personnelles des habitants."
    : document.documentElement.lang === "en"
      ? "This text looks like it contains an e-mail address or phone number. No residents' personal details, please."
      : "Deze tekst lijkt een e-mailadres of telefoonnummer te bevatten. Geen persoonsgegevens van bewoners, graag.";
  field.addEventListener("input", function () {
    note.textContent = (email.test(field.value) || phone.test(field.value)) ? text : "";
  });
}());
