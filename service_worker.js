// The service worker. PORTAL (version, shell files, pages) is prepended by the server.
// Static files are versioned by content, so cache-first is safe for them; pages always
// try the network first. Caches of an older version are deleted when this one activates.
const SHELL_CACHE = "portal-shell-" + PORTAL.version;

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(PORTAL.shell);
  // Generic pages only: fetched without cookies, so nothing personal is kept.
  await Promise.all(PORTAL.pages.map(async (url) => {
    const response = await fetch(url, { credentials: "omit" });
    if (response.ok) await cache.put(url, response);
  }));
  try {
    await cache.add(new Request(PORTAL.htmx, { mode: "cors", credentials: "omit" }));
  } catch (error) {
    // The CDN may be out of reach right now; the page still works without htmx's extras.
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("portal-") && n !== SHELL_CACHE)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

async function pageFromNetwork(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(SHELL_CACHE);
    const path = new URL(request.url).pathname;
    return (await cache.match(path)) || (await cache.match(PORTAL.offlinePage)) ||
      new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate") {
    event.respondWith(pageFromNetwork(request));
  } else if ((url.origin === self.location.origin && url.pathname.startsWith("/static/")) ||
             request.url === PORTAL.htmx) {
    event.respondWith(cacheFirst(request));
  }
});

// ---- Reminders (web push) ----
// Every push shows a notification (a silent one makes browsers revoke the subscription); the
// tag lets an updated reminder replace the old one; the URL is where a tap leads.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const options = {
    body: data.body || "",
    tag: data.tag || "reminder",
    renotify: true,
    data: { url: data.url || "/" },
  };
  event.waitUntil(self.registration.showNotification(data.title || "Reminder", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || "/",
    self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => client.url === target.href);
    if (open) return open.focus();
    return self.clients.openWindow(target.href);
  })());
});

function pushKeyBytes(text) {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

// The push service replaced or dropped the subscription: make a new one with the same key and
// tell the server, naming the old endpoint so it is forgotten.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open("push-settings");
    const stored = await cache.match("/push/settings.json");
    if (!stored) return;
    const settings = await stored.json();
    const old = event.oldSubscription;
    const key = (old && old.options && old.options.applicationServerKey) ||
      pushKeyBytes(settings.key);
    const subscription = event.newSubscription ||
      await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const body = Object.assign(subscription.toJSON(), { oldEndpoint: old ? old.endpoint : null });
    await fetch(settings.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": settings.csrf },
      body: JSON.stringify(body),
    });
  })());
});
