/* Kirab: a dapil select marked data-dapil-of offers only the dapil of the
   region chosen in the select it names. The server renders the options of
   the region in the address (the form works without script); as the region
   changes, this puts back the dapil of the new one from the <template> named
   by data-dapil-all. The rule is kirab.regions.models.dapil_in_region. */
(function () {
  "use strict";

  function belongs(dapilRegion, code) {
    if (!code) { return true; }
    if (code === "RI") { return false; }
    return dapilRegion === code || dapilRegion.indexOf(code + ".") === 0 ||
      code.indexOf(dapilRegion + ".") === 0;
  }

  function narrow(select, all, code) {
    var chosen = select.value;
    // The first option is "All dapil"; every other one is put back from the template.
    while (select.options.length > 1) { select.remove(1); }
    var options = all.content.querySelectorAll("option");
    for (var i = 0; i < options.length; i++) {
      if (belongs(options[i].getAttribute("data-region"), code)) {
        select.appendChild(options[i].cloneNode(true));
      }
    }
    select.value = chosen;
    if (select.value !== chosen) { select.value = ""; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-dapil-of]");
    for (var i = 0; i < selects.length; i++) {
      (function (select) {
        var region = document.getElementById(select.getAttribute("data-dapil-of"));
        var all = document.getElementById(select.getAttribute("data-dapil-all"));
        if (!region || !all || !all.content) { return; }
        region.addEventListener("change", function () { narrow(select, all, region.value); });
      })(selects[i]);
    }
  });
})();
