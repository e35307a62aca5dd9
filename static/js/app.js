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

  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.worker) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.worker, { scope: "/" }).catch(function () {});
    });
  }
})();
