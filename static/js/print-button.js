/* Kirab: a button marked data-print prints the page. Kept in a file of its
   own because the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  });
})();
