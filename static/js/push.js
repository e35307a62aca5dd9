// Reminders on this device: show where this browser stands, turn push on (only from a tap,
// as iOS requires) or off, and keep the server's copy of the subscription up to date.
(function () {
  "use strict";
  var section = document.getElementById("notifications");
  if (!section) return;
  var serverKey = section.dataset.pushKey;
  var url = section.dataset.pushUrl;
  var headers = {};
  try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { headers = {}; }
  var csrf = headers["X-CSRFToken"] || "";

  function show(state) {
    section.querySelectorAll("[data-push-when]").forEach(function (el) {
      el.hidden = el.dataset.pushWhen !== state;
    });
    section.dataset.pushState = state;
  }

  // Say why it did not work: no network (fetch throws a TypeError), or a browser that refuses
  // push (a DOMException such as NotAllowedError: private windows, some browsers, headless
  // ones), or the server. Only the first is about the connection.
  function failed(error) {
    var box = section.querySelector("[data-push-error]");
    var reason = "server";
    if (!navigator.onLine || (error && error.name === "TypeError")) reason = "connection";
    else if (typeof DOMException !== "undefined" && error instanceof DOMException) reason = "browser";
    box.textContent = box.dataset[reason];
    box.hidden = false;
  }

  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function onAppleMobile() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function standalone() {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function tellServer(method, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("server answered " + response.status);
    });
  }

  // The service worker re-subscribes on pushsubscriptionchange; it needs the key and a token.
  function remember() {
    if (!("caches" in window)) return Promise.resolve();
    return caches.open("push-settings").then(function (cache) {
      var body = JSON.stringify({ key: serverKey, csrf: csrf, url: url });
      return cache.put("/push/settings.json", new Response(body, { headers: { "Content-Type": "application/json" } }));
    });
  }

  function currentSubscription() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    });
  }

  function turnOn() {
    section.querySelector("[data-push-error]").hidden = true;
    // Ask first, straight from the tap: Safari refuses a permission prompt from anything else.
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        show(permission === "denied" ? "blocked" : "off");
        return null;
      }
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(serverKey)
        });
      }).then(function (subscription) {
        return tellServer("POST", subscription.toJSON());
      }).then(remember).then(function () {
        window.location.reload();
      });
    }).catch(failed);
  }

  function turnOff() {
    section.querySelector("[data-push-error]").hidden = true;
    currentSubscription().then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return tellServer("DELETE", { endpoint: endpoint });
      });
    }).then(function () {
      window.location.reload();
    }).catch(failed);
  }

  section.addEventListener("click", function (event) {
    if (event.target.closest("[data-push-on]")) turnOn();
    else if (event.target.closest("[data-push-off]")) turnOff();
  });

  if (!supported()) {
    show(onAppleMobile() && !standalone() ? "ios-home-screen" : "unsupported");
  } else if (Notification.permission === "denied") {
    show("blocked");
  } else {
    currentSubscription().then(function (subscription) {
      if (!subscription) return show("off");
      show("on");
      // Make sure the server still has it (it forgets a device a push service called gone).
      return tellServer("POST", subscription.toJSON()).then(remember);
    }).catch(function () { show("off"); });
  }
})();
