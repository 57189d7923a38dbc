/* Kirab: a button marked data-copy copies the text of the element it names.
   The address stays visible and selectable without script; the button only
   appears where the browser can copy. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.clipboard) { return; }
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      button.hidden = false;
      button.addEventListener("click", function (event) {
        var source = document.getElementById(event.currentTarget.getAttribute("data-copy"));
        var target = event.currentTarget;
        navigator.clipboard.writeText(source.textContent).then(function () {
          target.textContent = target.getAttribute("data-copied");
        });
      });
    }
  });
})();
