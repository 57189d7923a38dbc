/* Kirab: the device's store of submissions waiting to be sent (IndexedDB).
   Each item is keyed by its submission key and carries the user it belongs to.
   Small on purpose: one object store, promises around the four calls used. */
(function () {
  "use strict";
  if (!("indexedDB" in window)) { return; }
  var DB = "kirab", STORE = "waiting";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(result && result.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  window.KirabQueue = {
    all: function () { return run("readonly", function (store) { return store.getAll(); }); },
    put: function (item) { return run("readwrite", function (store) { store.put(item); }); },
    remove: function (key) { return run("readwrite", function (store) { store.delete(key); }); },
    clear: function () { return run("readwrite", function (store) { store.clear(); }); }
  };
})();
