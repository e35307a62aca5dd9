// The service worker. PORTAL (version, shell files, pages) is prepended by the server.
// Static files are versioned by content, so cache-first is safe for them; pages always
// try the network first. Caches of an older version are deleted when this one activates.
// The last good copy of a few personal pages (the server marks them) is kept for offline use;
// sign-out clears it (Clear-Site-Data), so the next person on a shared phone finds nothing.
const SHELL_CACHE = "portal-shell-" + PORTAL.version;
const PAGES_CACHE = "portal-pages";
try {
  importScripts(PORTAL.outbox);  // the same outbox the pages use, for Background Sync
} catch (error) {
  // Without it the worker still keeps the help page; pages replay the outbox themselves.
}

// The generic pages (help, offline) in one language: fetched without cookies, so nothing
// personal is kept. The phone's language at install; the person's, once a page names it.
async function keepGenericPages(lang) {
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(PORTAL.pages.filter((url) => url.endsWith("?lang=" + lang)).map(async (url) => {
    if (await cache.match(url)) return;
    const response = await fetch(url, { credentials: "omit" });
    if (response.ok) await cache.put(url, response);
  }));
}

function phoneLanguage() {
  const phone = (self.navigator.languages || []).map((tag) => tag.slice(0, 2).toLowerCase());
  return phone.find((code) => PORTAL.languages.includes(code)) || PORTAL.languages[0];
}

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(PORTAL.shell);
  await keepGenericPages(phoneLanguage());
  try {
    await cache.add(new Request(PORTAL.htmx, { mode: "cors", credentials: "omit" }));
  } catch (error) {
    // The CDN may be out of reach right now; the page still works without htmx's extras.
  }
}

self.addEventListener("install", (event) => {
  // The first worker takes over at once; a new version waits until the person taps "Reload",
  // so a page is never switched to new code under their fingers.
  event.waitUntil(precache().then(() => {
    if (!self.registration.active) return self.skipWaiting();
  }));
});

// Where "/" leads for the signed-in person, so the installed app (start_url "/") opens on
// their home with no signal. It sits in PAGES_CACHE, which sign-out clears with the rest.
const HOME_KEY = "/offline-home";
// The language of the last page the person saw, so the generic pages offline are in it too.
// Kept apart from the pages: it says nothing about anyone, and staff phones keep no pages.
const SETTINGS_CACHE = "portal-settings";
const LANGUAGE_KEY = "/offline-language";
const FRESH_MS = 10 * 60 * 1000;

function isLocalPath(path) {
  return typeof path === "string" && path.startsWith("/") && !path.startsWith("//");
}

async function keepPage(pages, path, response) {
  if (response.ok && !response.redirected && response.headers.get("X-Offline-Copy") === "keep") {
    await pages.put(path, response);
  }
}

// Keep the pages the server named for this person, one at a time (a slow network is shared
// with the page in front of them), skipping copies made in the last few minutes.
async function keepForOffline(home, paths) {
  const pages = await caches.open(PAGES_CACHE);
  if (isLocalPath(home)) await pages.put(HOME_KEY, new Response(home));
  for (const path of paths.filter(isLocalPath)) {
    const kept = await pages.match(path);
    const age = kept ? Date.now() - Date.parse(kept.headers.get("Date") || "") : Infinity;
    // A phone's clock can be days off the server's: a copy "from the future" is not fresh.
    if (age >= 0 && age < FRESH_MS) continue;
    try {
      await keepPage(pages, path, await fetch(path, { credentials: "same-origin" }));
    } catch (error) {
      return;  // no network: the next page load tries again
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skip-waiting") self.skipWaiting();
  if (data.type === "language" && PORTAL.languages.includes(data.lang)) {
    event.waitUntil((async () => {
      await keepGenericPages(data.lang).catch(() => {});  // no network: the next page tries
      await (await caches.open(SETTINGS_CACHE)).put(LANGUAGE_KEY, new Response(data.lang));
    })());
  }
  if (data.type === "keep-offline" && Array.isArray(data.pages)) {
    event.waitUntil(keepForOffline(data.home, data.pages));
  }
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("portal-shell-") && n !== SHELL_CACHE)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

// Mark a kept copy so the page shows "Offline — as of 5:42 PM" (the time is in the page).
async function markedOffline(response) {
  const text = (await response.text()).replace("<html ", "<html data-offline-copy ");
  return new Response(text, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// The person's language as the pages last said it, else the phone's, else the clinic's default.
async function offlineLanguage() {
  const kept = await (await caches.open(SETTINGS_CACHE)).match(LANGUAGE_KEY);
  return kept ? kept.text() : phoneLanguage();
}

async function pageFromNetwork(request) {
  const path = new URL(request.url).pathname;
  try {
    const response = await fetch(request);
    if (new URL(request.url).search === "") {
      await keepPage(await caches.open(PAGES_CACHE), path, response.clone());
    }
    return response;
  } catch (error) {
    const pages = await caches.open(PAGES_CACHE);
    const home = path === "/" ? await pages.match(HOME_KEY) : null;
    const kept = await pages.match(home ? await home.text() : path);
    if (kept) return markedOffline(kept);
    const shell = await caches.open(SHELL_CACHE);
    const lang = await offlineLanguage();
    // The person's language, else whichever the worker could keep (the phone's, at install).
    const inCache = async (page) =>
      (await shell.match(page + "?lang=" + lang)) || shell.match(page, { ignoreSearch: true });
    const generic = await inCache(path);  // help: kept at install, with its "as of"
    if (generic) return markedOffline(generic);
    const words = PORTAL.words[lang] || PORTAL.words[PORTAL.languages[0]];
    return (await inCache(PORTAL.offlinePage)) ||
      new Response(words.offline, { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch (error) {
    // A kept page may name an older version of a static file: any version beats none offline.
    const older = await caches.match(request, { ignoreSearch: true });
    if (older) return older;
    throw error;
  }
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
  // Every push must show something, so a cache that cannot be read means the default words.
  const language = offlineLanguage().catch(() => PORTAL.languages[0]);
  event.waitUntil(language.then((lang) => {
    const words = PORTAL.words[lang] || PORTAL.words[PORTAL.languages[0]];
    return self.registration.showNotification(data.title || words.reminder, options);
  }));
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
