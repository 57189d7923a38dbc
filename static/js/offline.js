/* Kirab: register the service worker that keeps the app shell, the public
   pages opened before and an organizer's attendance pages, so they read
   without signal; count what waits to be sent; and delete what a person kept
   on this phone when they log out or someone else logs in. Pages work
   without it. */
(function () {
  "use strict";
  var ATTENDANCE_CACHE = "kirab-attendance";

  function forgetDevice() {
    var done = window.KirabQueue ? window.KirabQueue.clear() : Promise.resolve();
    return done.then(function () {
      return window.caches ? window.caches.delete(ATTENDANCE_CACHE) : null;
    });
  }

  function waiting() {
    if (!window.KirabQueue) { return Promise.resolve([]); }
    var user = document.body.getAttribute("data-user");
    return window.KirabQueue.all().then(function (items) {
      if (user) {
        var others = items.filter(function (item) { return item.user !== user; });
        if (others.length) {
          // Someone else logged in on this phone: the previous person's items go.
          others.forEach(function (item) { window.KirabQueue.remove(item.key); });
          if (window.caches) { window.caches.delete(ATTENDANCE_CACHE); }
        }
        items = items.filter(function (item) { return item.user === user; });
      }
      return items.filter(function (item) { return item.status === "waiting"; });
    });
  }

  function showCount() {
    return waiting().then(function (items) {
      document.querySelectorAll("[data-waiting-count]").forEach(function (node) {
        node.textContent = node.getAttribute("data-text").replace("{n}", items.length);
        node.hidden = items.length === 0;
      });
    });
  }
  window.KirabWaitingCount = showCount;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-logout")) { return; }
    event.preventDefault();
    waiting().then(function (items) {
      if (items.length) {
        var question = form.getAttribute("data-confirm-waiting").replace("{n}", items.length);
        if (!window.confirm(question)) { return; }
      }
      forgetDevice().then(function () { form.submit(); }, function () { form.submit(); });
    });
  });

  document.addEventListener("DOMContentLoaded", showCount);

  if (!("serviceWorker" in navigator)) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      /* No worker (private mode, old browser): the site works online as before. */
    });
  });
})();
