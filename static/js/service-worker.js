/* Kirab's service worker. Served from /sw.js with its version, the app shell's
   addresses and the offline page filled in by the server (kirab/main/offline.py).

   - The app shell (styles, scripts, icons) comes from the cache first.
   - Pages: the network first; a copy of each public page is kept, never a page
     sent "private" or "no-store" (every page made for a logged-in person is),
     except an organizer's attendance pages, kept apart until logout.
     Without network the kept copy is shown with its "last updated" note;
     a page never kept gets the offline page.
   - A new version takes over at the next navigation: it skips waiting but
     does not claim open pages, and it keeps the kept pages. */
"use strict";

var VERSION = "__VERSION__";
var SHELL = "__SHELL__";
var OFFLINE_PAGE = "__OFFLINE_PAGE__";
var SHELL_CACHE = "kirab-shell-" + VERSION;
var PAGE_CACHE = "kirab-pages";
var MAX_PAGES = 60;
// An organizer's attendance pages are kept although they are private: the page must
// open at a parade without signal. offline.js deletes them at logout.
var ATTENDANCE_CACHE = "kirab-attendance";
var ATTENDANCE_PAGE = /^\/events\/\d+\/attendance$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) { return cache.addAll(SHELL.concat([OFFLINE_PAGE])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("kirab-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }));
});

function isPublic(response) {
  if (!response || response.status !== 200 || response.type !== "basic") { return false; }
  var control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return control.indexOf("private") === -1 && control.indexOf("no-store") === -1;
}

function trimPages(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.length - MAX_PAGES;
    return Promise.all(keys.slice(0, Math.max(extra, 0)).map(function (key) {
      return cache.delete(key);
    }));
  });
}

function keepPage(request, response) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    // Delete first so the newest copy is last in the cache's order.
    return cache.delete(request, { ignoreVary: true }).then(function () {
      return cache.put(request, response);
    }).then(function () { return trimPages(cache); });
  });
}

function markedOffline(response) {
  return response.text().then(function (html) {
    var shown = html.replace("data-offline-note hidden", "data-offline-note");
    return new Response(shown, {
      status: 200,
      headers: { "Content-Type": response.headers.get("Content-Type") || "text/html" }
    });
  });
}

function isAttendance(request) {
  return ATTENDANCE_PAGE.test(new URL(request.url).pathname);
}

function keptPage(request) {
  var name = isAttendance(request) ? ATTENDANCE_CACHE : PAGE_CACHE;
  return caches.open(name).then(function (cache) {
    return cache.match(request, { ignoreVary: true });
  }).then(function (kept) {
    if (kept) { return markedOffline(kept); }
    return caches.match(OFFLINE_PAGE);
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (isAttendance(request)) {
      if (response.status === 200 && !response.redirected) {
        var copy = response.clone();
        event.waitUntil(caches.open(ATTENDANCE_CACHE).then(function (cache) {
          return cache.put(request, copy);
        }));
      }
    } else if (isPublic(response)) {
      event.waitUntil(keepPage(request, response.clone()));
    }
    return response;
  }, function () {
    return keptPage(request);
  });
}

// Background Sync: the connection is back; the pages holding waiting items send them
// (they hold the session's CSRF token and show what the server answers).
self.addEventListener("sync", function (event) {
  if (event.tag !== "kirab-waiting") { return; }
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "kirab-sync" }); });
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});
