/* Kirab: the attendance page keeps working without signal.

   A tick, a walk-in or a tally sent while the phone is offline is kept on the
   device (IndexedDB, keyed by its submission key) and shown at once as
   waiting; when the connection returns (the "online" event, and at every
   visit) the waiting items are sent in order with a fresh CSRF token. The
   server records each submission once (by key and by person); what it
   refuses is shown with its reason. Without script the forms post as usual.
   Only what waits to be sent is kept, with the user it belongs to.

   The public self check-in form works the same way for an attendee whose
   phone lost its signal: the moment they pressed the button is sent with
   the page's signed served time, and the server decides whether it counts. */
(function () {
  "use strict";
  var queue = window.KirabQueue;
  var section = document.querySelector("[data-attendance-event]");
  if (!queue || !section) { return; }
  var eventId = section.getAttribute("data-attendance-event");
  var user = document.body.getAttribute("data-user") || "";
  var list = document.getElementById("waiting-items");
  var text = function (name) { return list.getAttribute("data-text-" + name) || ""; };
  var syncing = false;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function labelOf(form) {
    var kind = form.getAttribute("data-offline-queue");
    var value = function (name) {
      var field = form.elements.namedItem(name);
      return field ? String(field.value || "").trim() : "";
    };
    if (kind === "tick") { return form.getAttribute("data-offline-label") || ""; }
    if (kind === "tally") { return value("counter") + ": " + value("count"); }
    if (kind === "checkin") { return value("name"); }
    return value("name");
  }

  function render() {
    return queue.all().then(function (items) {
      var mine = items.filter(function (item) { return item.event === eventId; });
      list.textContent = "";
      mine.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "waiting-item " + item.status;
        var label = document.createElement("span");
        label.textContent = item.label;
        var state = document.createElement("span");
        state.className = "waiting-state";
        state.textContent = item.status === "refused"
          ? text("refused") + " " + item.message : text("waiting");
        li.appendChild(label);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(state);
        if (item.status === "refused") {
          var dismiss = document.createElement("button");
          dismiss.type = "button";
          dismiss.className = "small";
          dismiss.textContent = text("dismiss");
          dismiss.addEventListener("click", function () {
            queue.remove(item.key).then(render);
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(dismiss);
        }
        list.appendChild(li);
      });
      list.hidden = mine.length === 0;
      document.getElementById("waiting-heading").hidden = mine.length === 0;
      if (window.KirabWaitingCount) { window.KirabWaitingCount(); }
    });
  }

  // Background Sync, where the browser has it: the service worker is woken when the
  // connection returns and tells the open pages to send what waits.
  function askForSync() {
    if (!("serviceWorker" in navigator)) { return null; }
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync ? registration.sync.register("kirab-waiting") : null;
    }).catch(function () { return null; });
  }

  function keep(form) {
    var fields = [];
    var checkin = form.getAttribute("data-offline-queue") === "checkin";
    var token = "";
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token") { token = String(value); return; }
      if (name === "stated_at") { return; }
      fields.push([name, String(value)]);
    });
    // The attendee's session token is kept: their check-in page may be closed by the
    // time the signal returns, so no fresh one can be asked for.
    if (checkin) { fields.push(["stated_at", new Date().toISOString()]); }
    var keyField = form.elements.namedItem("idempotency_key");
    var item = {
      key: keyField.value, user: user, event: eventId, action: form.action,
      fields: fields, label: labelOf(form), status: "waiting", message: "",
      token: checkin ? token : "",
      kind: form.getAttribute("data-offline-queue"), created: Date.now()
    };
    // The form is ready for the next person at once, before the store answers.
    keyField.value = newKey();  // the next submission is another one
    if (item.kind === "walk-in") {
      ["name", "organisation", "contact"].forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field) { field.value = ""; }
      });
    }
    if (item.kind === "tick" || checkin) { form.hidden = true; }
    return queue.put(item).then(askForSync).then(render);
  }

  function refusal(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var shown = doc.querySelectorAll(
      ".form-errors:not([hidden]), .error, .flash-error, .error-page .lead");
    var parts = [];
    shown.forEach(function (node) { parts.push(node.textContent.replace(/\s+/g, " ").trim()); });
    return parts.filter(Boolean).join(" ") || text("unknown");
  }

  function freshToken() {
    return fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected && /\/login/.test(response.url)) { return null; }
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var field = doc.querySelector("input[name=csrf_token]");
          return field ? field.value : null;
        });
      });
  }

  var recordedPage = null;

  function send(item, token) {
    var body = new URLSearchParams();
    body.append("csrf_token", item.token || token);
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(item.action, {
      method: "POST", body: body, credentials: "same-origin", cache: "no-store"
    }).then(function (response) {
      if (response.ok && response.redirected && !/\/login/.test(response.url)) {
        return queue.remove(item.key).then(function () { return "sent"; });
      }
      if (item.kind === "checkin" && response.status === 200) {
        // The check-in's answer is its thank-you page: shown in place of the form.
        return response.text().then(function (html) {
          recordedPage = html;
          return queue.remove(item.key).then(function () { return "shown"; });
        });
      }
      if (response.redirected && /\/login/.test(response.url)) { return "login"; }
      return response.text().then(function (html) {
        item.status = "refused";
        item.message = refusal(html);
        return queue.put(item).then(function () { return "refused"; });
      });
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    var sent = 0;
    return queue.all().then(function (items) {
      var waiting = items.filter(function (item) {
        return item.status === "waiting" && item.user === user;
      }).sort(function (a, b) { return a.created - b.created; });
      if (!waiting.length) { return null; }
      var own = waiting.every(function (item) { return item.token; });
      return (own ? Promise.resolve("kept") : freshToken()).then(function (token) {
        if (!token) {
          document.getElementById("waiting-login").hidden = false;
          return null;
        }
        return waiting.reduce(function (previous, item) {
          return previous.then(function (outcome) {
            if (outcome === "login" || outcome === "stop") { return outcome; }
            return send(item, token).then(function (result) {
              if (result === "sent") { sent += 1; }
              return result;
            });
          });
        }, Promise.resolve("start"));
      });
    }).catch(function () {
      return null;  // the network went again: the items wait for the next chance
    }).then(function () {
      syncing = false;
      if (recordedPage) {
        var doc = new DOMParser().parseFromString(recordedPage, "text/html");
        document.querySelector("main").innerHTML = doc.querySelector("main").innerHTML;
        recordedPage = null;
        return null;
      }
      if (sent > 0) { window.location.reload(); return null; }
      return render();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-offline-queue")) { return; }
    if (navigator.onLine) { return; }  // online: the form posts as it always does
    event.preventDefault();
    keep(form);
  });
  window.addEventListener("online", sync);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kirab-sync") { sync(); }
    });
  }
  render().then(sync);
})();
