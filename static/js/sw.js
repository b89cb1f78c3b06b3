/* Service worker of the observer pages: lets the copy form reopen without a connection.
 *
 * Served at /sw.js (tallies/views/offline.py) so that its scope is the whole site. It only
 * handles GET requests of this origin: page navigations and /static/ files, network first,
 * falling back to the cache when the network fails. Pages are cached only when a page asked for
 * it (outbox.js posts {cache: [urls]} from the copy form), so receipts and coordinator pages are
 * never kept on the phone. POST requests are never touched: queuing them is outbox.js's work.
 *
 * Bump VERSION when this file's caching changes: activation deletes every older cache.
 */
"use strict";

const PREFIX = "observer-offline-";
const VERSION = "v1";
const CACHE = PREFIX + VERSION;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// A page names the URLs it needs offline (itself, its CSS and scripts).
self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.cache) || [];
  const own = urls.filter((url) => new URL(url, location.href).origin === location.origin);
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(own)));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  const isStatic = url.pathname.startsWith("/static/");
  if (request.mode !== "navigate" && !isStatic) return;
  event.respondWith(networkFirst(request, isStatic));
});

// Fresh from the network when there is one (a refreshed copy replaces the cached one); the
// cached copy only when the network fails. A cached page keeps its old client_uuid, which
// outbox.js replaces on load, so two copies never share a key.
async function networkFirst(request, isStatic) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    const known = isStatic || (await cache.match(request, { ignoreVary: true }));
    if (known && response.ok && !response.redirected && response.type === "basic") {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached =
      (await cache.match(request, { ignoreVary: true })) ||
      (await cache.match(request, { ignoreVary: true, ignoreSearch: request.mode === "navigate" }));
    if (cached) return cached;
    throw error;
  }
}
