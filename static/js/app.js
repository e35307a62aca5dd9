// The page's only script: the help panel, the service worker. No framework, no inline code (CSP).
(function () {
  "use strict";

  // "Get help now" opens the panel already in the page, so it works with no network at all.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-crisis-open]");
    var dialog = document.getElementById("crisis-dialog");
    if (!opener || !dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.showModal();
  });

  // Automatic logoff on screen too: after the idle timeout, reload, and the server (which has
  // ended the session) shows the sign-in page instead of what was left open on the phone.
  var idle = parseInt(document.body.dataset.idleMinutes || "0", 10);
  if (idle > 0) {
    var timer;
    var restart = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.reload(); }, idle * 60 * 1000 + 5000);
    };
    ["click", "keydown", "touchstart", "scroll"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  // A page the service worker served from its kept copy: say so, with the time it was made.
  if (document.documentElement.hasAttribute("data-offline-copy")) {
    var banner = document.querySelector("[data-offline-banner]");
    if (banner) banner.hidden = false;
  }

  // Once signed in, ask the worker to keep this person's pages (home, check-in, calendar, plan)
  // so the app works with no signal after one visit. The worker skips copies still fresh.
  // Tell the worker which language this person reads, for the help and offline pages it keeps.
  function tellLanguage(registration) {
    if (!registration.active || document.documentElement.hasAttribute("data-offline-copy")) return;
    registration.active.postMessage({ type: "language", lang: document.documentElement.lang.slice(0, 2) });
  }

  function keepForOffline(registration) {
    var pages = document.body.dataset.offlinePages;
    if (!pages || !registration.active || document.documentElement.hasAttribute("data-offline-copy")) {
      return;
    }
    registration.active.postMessage({
      type: "keep-offline",
      home: document.body.dataset.offlineHome,
      pages: pages.split(" "),
    });
  }

  // "Update available — Reload" when a new worker waits; reload once it has taken over.
  function offerUpdate(registration) {
    var notice = document.querySelector("[data-update-notice]");
    if (!notice || !registration.waiting || !navigator.serviceWorker.controller) return;
    notice.hidden = false;
    notice.querySelector("[data-update-reload]").addEventListener("click", function () {
      registration.waiting.postMessage({ type: "skip-waiting" });
    });
  }

  // Android and desktop Chromium offer to install; iPhone needs Add to Home Screen by hand.
  var deferredInstall = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferredInstall = event;
    document.querySelectorAll("[data-install]").forEach(function (button) {
      button.hidden = false;
    });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-install]");
    if (!button || !deferredInstall) return;
    deferredInstall.prompt();
    deferredInstall.userChoice.then(function () {
      deferredInstall = null;
      button.hidden = true;
    });
  });
  var ios = /iphone|ipad|ipod/i.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  if (ios && !navigator.standalone) {
    document.querySelectorAll("[data-ios-install]").forEach(function (el) { el.hidden = false; });
  }

  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.worker) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.worker, { scope: "/" })
        .then(function (registration) {
          offerUpdate(registration);
          registration.addEventListener("updatefound", function () {
            var worker = registration.installing;
            if (!worker) return;
            worker.addEventListener("statechange", function () {
              if (worker.state === "installed") offerUpdate(registration);
            });
          });
        })
        .catch(function () {});
      navigator.serviceWorker.ready.then(function (registration) {
        tellLanguage(registration);
        keepForOffline(registration);
      }).catch(function () {});
      var reloading = false;
      navigator.serviceWorker.addEventListener("controllerchange", function () {
        if (reloading || !document.querySelector("[data-update-notice]:not([hidden])")) return;
        reloading = true;
        window.location.reload();
      });
    });
  }
})();
