// The service worker. PORTAL (version, shell files, pages) is prepended by the server.
// Static files are versioned by content, so cache-first is safe for them; pages always
// try the network first. Caches of an older version are deleted when this one activates.
const SHELL_CACHE = "portal-shell-" + PORTAL.version;
try {
  importScripts(PORTAL.outbox);  // the same outbox the pages use, for Background Sync
} catch (error) {
  // Without it the worker still keeps the help page; pages replay the outbox themselves.
}

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

// Background Sync (Chromium only): send what the outbox keeps even with no page open. Failing
// the wait when something is left makes the browser try again later.
self.addEventListener("sync", (event) => {
  if (event.tag !== "portal-outbox" || !self.PortalOutbox) return;
  event.waitUntil(self.PortalOutbox.flush(null)
    .then(() => self.PortalOutbox.entries())
    .then((left) => {
      if (left.length) throw new Error("outbox not empty yet");
    }));
});
