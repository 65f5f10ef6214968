/**
 * The cross-origin isolation headers, and the pure helpers the service worker (src/sw/sw.ts) uses to
 * add them. vite.config.ts sends the same values from the dev and preview servers (keep both in step).
 *
 * Why: guest RAM is a SharedArrayBuffer shared by the worker and the page, and browsers only allow
 * SharedArrayBuffer in a cross-origin isolated document: one served with COOP `same-origin` and COEP
 * `require-corp` (https://web.dev/articles/coop-coep). CORP `same-origin` on every response keeps our
 * own sub-resources loadable under `require-corp`.
 */

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The parts of a Request that decide whether the service worker answers it. */
export interface RequestFacts {
  url: string;
  method: string;
  mode: RequestMode;
  cache: RequestCache;
}

/**
 * Whether the service worker should answer `request` itself: same-origin GET/HEAD only.
 * Cross-origin resources must opt in themselves (CORP/CORS): we may not vouch for them, so they go
 * to the network untouched. Chromium's DevTools issue `only-if-cached` requests that fetch() rejects
 * unless the mode is same-origin; they too are left to the network stack.
 */
export function shouldHandle(request: RequestFacts, origin: string): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return false;
  return new URL(request.url).origin === origin;
}

/**
 * The navigation requests that get the app shell (the precached index.html): the app is one page at
 * the base URL (state lives in the query and the fragment), so only `<base>` and `<base>index.html`.
 * Anything else (a guest image opened directly, say) goes to its own route or to the network.
 */
export function isAppShellNavigation(request: { url: string; mode: RequestMode }, scope: string): boolean {
  if (request.mode !== "navigate") return false;
  const path = new URL(request.url).pathname;
  const base = new URL(scope).pathname;
  return path === base || path === `${base}index.html`;
}

/**
 * `response` with the isolation headers added. A Response's headers are immutable once it came from
 * fetch() or the Cache API, so it is rebuilt around the same body stream (no copy). Opaque and
 * opaque-redirect responses (status 0) cannot be rebuilt and pass through unchanged; they never
 * occur for the same-origin requests we handle.
 */
export function withIsolationHeaders(response: Response): Response {
  if (response.status === 0 || response.type === "opaque" || response.type === "opaqueredirect") return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  // Null-body statuses (204, 304) arrive with a null body, which the constructor accepts for them.
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
