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

  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.worker) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.worker, { scope: "/" }).catch(function () {});
    });
  }
})();
