// An outbox on the phone, so an answer given with no signal is not lost: a form marked
// data-outbox is sent with fetch; if the network is down, {url, body, key} is kept in IndexedDB
// and sent again on the `online` event, on every page load, and by Background Sync where the
// browser has it. The idempotency key makes the server keep it exactly once however often it
// arrives. Runs in pages and, through importScripts, in the service worker (no DOM there).
(function (scope) {
  "use strict";
  var DB_NAME = "portal-outbox";
  var STORE = "entries";
  var LOGIN_PATH = "/login";
  var SYNC_TAG = "portal-outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function keep(entry) { return withStore("readwrite", function (s) { return s.put(entry); }); }
  function forget(key) { return withStore("readwrite", function (s) { return s.delete(key); }); }
  function entries() { return withStore("readonly", function (s) { return s.getAll(); }); }

  // Send one entry. A newer CSRF token from the page replaces the stored one: the session may
  // have been renewed since the answer was kept.
  function send(entry, csrfToken) {
    var body = entry.body;
    if (csrfToken) {
      var params = new URLSearchParams(body);
      params.set("csrf_token", csrfToken);
      body = params.toString();
    }
    var headers = {
      "Content-Type": "application/x-www-form-urlencoded",
      "Idempotency-Key": entry.key,
    };
    if (entry.owner) headers["X-Outbox-Owner"] = entry.owner;
    return fetch(entry.url, { method: "POST", body: body, headers: headers, credentials: "same-origin" });
  }

  function signedOut(response) {
    return response.redirected && new URL(response.url).pathname === LOGIN_PATH;
  }

  // Has the server decided? Not when the entry waits for another person (409), the server is
  // failing (5xx), or wants a sign-in first (401, a redirect to sign in, an expired form
  // token): then keep it.
  function settled(response) {
    var s = response.status;
    return !(s === 400 || s === 401 || s === 409 || s >= 500 || signedOut(response));
  }

  var flushing = null;

  // Send everything waiting, one at a time; resolve with what the server settled.
  function flush(csrfToken) {
    if (flushing) return flushing;
    flushing = entries().then(function (list) {
      var done = [];
      return list.reduce(function (chain, entry) {
        return chain.then(function () {
          return send(entry, csrfToken).then(function (response) {
            if (!settled(response)) return;
            done.push({ entry: entry, response: response });
            return forget(entry.key);
          }, function () { /* still offline: keep it */ });
        });
      }, Promise.resolve()).then(function () { return done; });
    }).finally(function () { flushing = null; });
    return flushing;
  }

  scope.PortalOutbox = { keep: keep, forget: forget, entries: entries, send: send, flush: flush,
    settled: settled, SYNC_TAG: SYNC_TAG };

  if (typeof document === "undefined") return;  // in the service worker: no page to wire up

  function pageToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return null;
    }
  }

  function status(text) {
    var box = document.querySelector("[data-outbox-status]");
    if (box) box.textContent = box.dataset[text] || "";
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () {});
  }

  // The form names the answers that call for the help panel, e.g. "used=yes craving>=8";
  // with no network the panel must still open at once.
  function needsHelp(form) {
    var data = new FormData(form);
    return (form.dataset.crisisIf || "").split(/\s+/).some(function (test) {
      var m = /^([\w-]+)(>=|=)(.+)$/.exec(test);
      if (!m) return false;
      return data.getAll(m[1]).some(function (value) {
        return m[2] === "=" ? value === m[3] : Number(value) >= Number(m[3]) && value !== "";
      });
    });
  }

  function openHelp() {
    var dialog = document.getElementById("crisis-dialog");
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  // Show the server's answer (a form with messages by the fields) in place of this page's main.
  function showAnswer(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var main = document.querySelector("main");
    var incoming = fresh.querySelector("main");
    if (!main || !incoming) return;
    main.innerHTML = incoming.innerHTML;
    document.title = fresh.title;
    main.focus();
  }

  // Offline, a check-in that calls for help opens the panel at once; the line saying the care
  // team has not been told yet goes inside the dialog, where it can be read.
  function keepForLater(form, entry) {
    return keep(entry).then(function () {
      askForSync();
      if (!needsHelp(form)) return status("saved");
      status("savedHelp");
      var notice = document.querySelector("[data-dialog-notice]");
      var box = document.querySelector("[data-outbox-status]");
      if (notice && box) {
        notice.textContent = box.dataset.savedHelp;
        notice.hidden = false;
      }
      openHelp();
    });
  }

  function submit(form) {
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    var keyField = form.querySelector("[name=idempotency_key]");
    var entry = {
      key: (keyField && keyField.value) || crypto.randomUUID(),
      url: form.action,
      body: new URLSearchParams(new FormData(form)).toString(),
      owner: form.dataset.outboxOwner || "",
      savedAt: Date.now(),
    };
    status("sending");
    send(entry).then(function (response) {
      if (!settled(response)) {
        return keepForLater(form, entry).then(function () {
          if (signedOut(response)) window.location.assign(response.url);
        });
      }
      if (response.redirected) return window.location.assign(response.url);
      return response.text().then(showAnswer);
    }, function () {
      return keepForLater(form, entry);
    }).catch(function () {
      status("failed");
    }).finally(function () {
      if (button) button.disabled = false;
    });
  }

  // The day it is now where the clinic is, as YYYY-MM-DD (the en-CA format).
  function clinicToday(zone) {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    }).format(new Date());
  }

  // A form in a kept copy was made for one answer on one day: give it a key of its own (two
  // answers from one copy must not look like one sent twice) and, when the copy is from an
  // earlier day, today's date and empty answers, so yesterday's check-in is not changed.
  function freshenKeptForm(form) {
    var keyField = form.querySelector("[name=idempotency_key]");
    if (keyField) keyField.value = crypto.randomUUID();
    var dayField = form.querySelector("[name=day]");
    if (!dayField || !form.dataset.dayZone) return;
    var today = clinicToday(form.dataset.dayZone);
    if (dayField.value === today) return;
    dayField.value = today;
    form.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (box) {
      box.checked = false;
    });
    form.querySelectorAll("textarea, input[type=text]").forEach(function (text) { text.value = ""; });
    document.querySelectorAll("[data-answered-note]").forEach(function (note) { note.hidden = true; });
  }

  if (document.documentElement.hasAttribute("data-offline-copy")) {
    document.querySelectorAll("form[data-outbox]").forEach(freshenKeptForm);
  }

  // Replay what is waiting; if it is this page's own form, go on to the server's answer.
  function replay() {
    flush(pageToken()).then(function (done) {
      var form = document.querySelector("form[data-outbox]");
      var key = form && form.querySelector("[name=idempotency_key]");
      done.forEach(function (item) {
        if (key && item.entry.key === key.value && item.response.redirected) {
          window.location.assign(item.response.url);
        } else if (done.length) {
          status("sent");
        }
      });
      return entries();
    }).then(function (left) {
      if (left && left.length) status("saved");
    }).catch(function () {});
  }

  // Sign-out empties this phone's storage; try to send what is waiting first, briefly.
  function signOut(form) {
    var wait = new Promise(function (resolve) { setTimeout(resolve, 3000); });
    Promise.race([flush(pageToken()).catch(function () {}), wait]).then(function () {
      form.dataset.outboxTried = "1";
      form.submit();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-outbox]")) {
      event.preventDefault();
      submit(form);
    } else if (form.matches("form.signout") && !form.dataset.outboxTried) {
      event.preventDefault();
      signOut(form);
    }
  });
  window.addEventListener("online", replay);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", replay);
  } else {
    replay();
  }
})(self);
