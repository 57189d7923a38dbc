/* Kirab: every form that records something carries a key made here, in the
   browser. A retry or a double tap sends the same key, and the server records
   the submission once. The server puts a key of its own in the page as a
   fallback for browsers without scripts. */
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function fill() {
    var inputs = document.querySelectorAll("input[data-submission-key]");
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].value = newKey();
    }
  }

  document.addEventListener("DOMContentLoaded", fill);
  // A page restored from the back-forward cache is a new visit: new keys.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { fill(); }
  });
})();
