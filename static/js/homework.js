// Homework answers save as drafts while typing. Each pause sends the answer with a fresh
// idempotency key and a revision (this phone's clock, in ms); with no network the draft goes to
// the outbox (outbox.js), which keeps it on the phone and sends it when back online, once. The
// server ignores a draft older than the one it has, whatever order the outbox sends them in.
(function () {
  "use strict";
  var DELAY = 1000;
  var form = document.querySelector("form[data-homework]");
  if (!form || !window.PortalOutbox) return;
  var outbox = window.PortalOutbox;
  var timers = {};

  function revisionField(area) {
    return form.querySelector("[name='revision-" + area.dataset.question + "']");
  }

  function say(area, key) {
    var box = document.getElementById(area.id + "-status");
    if (box) box.textContent = form.dataset[key] || "";
  }

  function pageToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  // Every keystroke moves the answer's revision on, so the hand-in form always carries the
  // newest one and a draft still waiting in the outbox can never overwrite it.
  function bump(area) {
    var field = revisionField(area);
    var next = Math.max(Date.now(), Number(field.value || 0) + 1);
    field.value = String(next);
  }

  function entryFor(area) {
    var body = new URLSearchParams();
    body.set("csrf_token", pageToken());
    body.set("text", area.value);
    body.set("revision", revisionField(area).value);
    return {
      key: crypto.randomUUID(),
      url: area.dataset.draftUrl,
      body: body.toString(),
      owner: form.dataset.outboxOwner || "",
      savedAt: Date.now(),
    };
  }

  function keepForLater(area, entry) {
    return outbox.keep(entry).then(function () { say(area, "kept"); });
  }

  function saveDraft(area) {
    var entry = entryFor(area);
    say(area, "saving");
    outbox.send(entry).then(function (response) {
      if (!outbox.settled(response)) return keepForLater(area, entry);
      say(area, response.ok ? "saved" : "failed");
    }, function () {
      return keepForLater(area, entry);
    }).catch(function () { say(area, "failed"); });
  }

  function later(area) {
    clearTimeout(timers[area.id]);
    timers[area.id] = setTimeout(function () { timers[area.id] = null; saveDraft(area); }, DELAY);
  }

  // A draft typed offline and still on this phone is newer than what the server drew: show it.
  function restoreKept() {
    return outbox.entries().then(function (list) {
      form.querySelectorAll("textarea[data-draft-url]").forEach(function (area) {
        var newest = null;
        list.forEach(function (entry) {
          if (entry.url !== area.dataset.draftUrl) return;
          var params = new URLSearchParams(entry.body);
          var revision = Number(params.get("revision"));
          if (!newest || revision > newest.revision) {
            newest = { revision: revision, text: params.get("text") };
          }
        });
        if (newest && newest.revision > Number(revisionField(area).value || 0)) {
          area.value = newest.text;
          revisionField(area).value = String(newest.revision);
          say(area, "kept");
        }
      });
    }).catch(function () {});
  }

  form.querySelectorAll("textarea[data-draft-url]").forEach(function (area) {
    area.addEventListener("input", function () { bump(area); later(area); });
    area.addEventListener("blur", function () {
      if (timers[area.id]) { clearTimeout(timers[area.id]); timers[area.id] = null; saveDraft(area); }
    });
  });
  restoreKept();
})();
