/* Kirab: register the service worker that keeps the app shell and the public
   pages opened before, so they read without signal. Pages work without it. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      /* No worker (private mode, old browser): the site works online as before. */
    });
  });
})();
