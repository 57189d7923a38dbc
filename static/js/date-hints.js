/* Kirab: the <output class="value-hint"> beside a date, time or datetime-local
   input shows its value in the page's language ("Rabu, 11 Oktober 2023",
   "13.00 WIB"), whatever language the phone's own picker speaks. The server
   writes it for the value it sent (kirab.i18n.input_hint); this keeps it
   current as the value changes, in the page, without asking the server. */
(function () {
  "use strict";

  var DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  var TIME = /^(\d{2}):(\d{2})/;

  function names(lang, day) {
    // Noon UTC, told in UTC: the same calendar day wherever the phone is.
    var noon = new Date(Date.UTC(day[0], day[1] - 1, day[2], 12));
    var part = function (options) {
      options.timeZone = "UTC";
      return new Intl.DateTimeFormat(lang, options).format(noon);
    };
    // The pattern of kirab.i18n.local_date, "EEEE, d MMMM y", in both languages.
    return part({ weekday: "long" }) + ", " + day[2] + " " + part({ month: "long" }) + " " + day[0];
  }

  function dateText(lang, text) {
    var found = DATE.exec(text);
    if (!found) { return ""; }
    var day = [Number(found[1]), Number(found[2]), Number(found[3])];
    var check = new Date(Date.UTC(day[0], day[1] - 1, day[2]));
    if (check.getUTCDate() !== day[2] || check.getUTCMonth() !== day[1] - 1) { return ""; }
    return names(lang, day);
  }

  function timeText(lang, text, zone) {
    var found = TIME.exec(text);
    if (!found) { return ""; }
    // Indonesian writes 13.00, English 13:00 (a 24-hour clock in both, as the server does).
    var clock = found[1] + (lang === "id" ? "." : ":") + found[2];
    return zone ? clock + " " + zone : clock;
  }

  function hintText(kind, text, zone) {
    var lang = document.documentElement.lang || "id";
    if (kind === "date") { return dateText(lang, text); }
    if (kind === "time") { return timeText(lang, text, zone); }
    var halves = text.split("T");
    if (halves.length !== 2) { return ""; }
    var day = dateText(lang, halves[0]);
    var clock = timeText(lang, halves[1], zone);
    return day && clock ? day + ", " + clock : "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var hints = document.querySelectorAll("output.value-hint");
    for (var i = 0; i < hints.length; i++) {
      (function (hint) {
        var input = document.getElementById(hint.getAttribute("for"));
        if (!input) { return; }
        var update = function () {
          hint.textContent = hintText(hint.getAttribute("data-kind"), input.value,
            hint.getAttribute("data-zone"));
        };
        input.addEventListener("input", update);
        input.addEventListener("change", update);
      })(hints[i]);
    }
  });
})();
