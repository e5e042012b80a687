/**
 * Paychain web app service worker: caches the app shell only — index.html, the hashed bundle, the manifest and
 * the icons — so an installed app opens without a network. It never caches an API answer: balances, payments and
 * receipts always come from the server (`/v1/...` requests are not even looked at). The build (vite.config.ts)
 * replaces the SHELL object below with this build's version and exact file list.
 */
const SHELL = { version: 'dev', files: ['/'] };
const CACHE_NAME = `paychain-shell-${SHELL.version}`;
const SHELL_FILES = new Set(SHELL.files);

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE_NAME)
      .then((cache) => cache.addAll(SHELL.files))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith('paychain-shell-') && name !== CACHE_NAME)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // Other origins and the API (including event streams) go straight to the network, untouched and uncached.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/v1/')) return;
  if (request.mode === 'navigate') {
    // Network first, so a new deployment is seen at once; the cached shell when offline.
    event.respondWith(fetch(request).catch(() => caches.match('/').then((cached) => cached ?? Response.error())));
    return;
  }
  if (SHELL_FILES.has(url.pathname)) {
    // Hashed file names never change content, so the cache is always right for them.
    event.respondWith(caches.match(url.pathname).then((cached) => cached ?? fetch(request)));
  }
});
