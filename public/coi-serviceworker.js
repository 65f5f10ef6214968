/*
 * Hypervisor Playground — cross-origin isolation for static hosts that cannot set headers.
 *
 * Why: guest RAM is a SharedArrayBuffer shared by the worker and the page, and browsers only allow
 * SharedArrayBuffer in a cross-origin isolated document: one served with
 *   Cross-Origin-Opener-Policy: same-origin  and  Cross-Origin-Embedder-Policy: require-corp
 * (HTML standard, "cross-origin isolation"; https://web.dev/articles/coop-coep).
 * A service worker may build the responses it hands to its clients, headers included, so this one
 * re-serves every same-origin response with those headers (plus Cross-Origin-Resource-Policy, so
 * our own sub-resources stay loadable under require-corp). The page (src/ui/coi.ts) registers it
 * only when `crossOriginIsolated` is false and reloads once after it takes control.
 *
 * Under `vite` and `vite preview` the server already sends the headers and this file is never
 * registered; if it was registered earlier for the same origin, adding the same headers again is
 * harmless.
 */

/* eslint-env serviceworker */

const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

// Take over at once: the page is waiting for `controllerchange` to reload itself isolated.
self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Chromium quirk: DevTools issues "only-if-cached" requests that fetch() rejects unless the mode
  // is same-origin; leave them to the network stack.
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  // Cross-origin resources must opt in themselves (CORP/CORS); we may not vouch for them.
  if (new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(withIsolationHeaders(request));
});

/**
 * Fetches `request` and returns the same response with the isolation headers added.
 * Opaque and redirect-filtered responses (status 0) cannot be rebuilt and pass through unchanged;
 * network errors propagate as a rejected promise, exactly as without a service worker.
 */
async function withIsolationHeaders(request) {
  const response = await fetch(request);
  if (response.status === 0 || response.type === "opaqueredirect") return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
