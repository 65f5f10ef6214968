/**
 * The cross-origin isolation headers, and the pure helpers the service worker (src/sw/sw.ts) uses to
 * add them. vite.config.ts sends the same values from the dev and preview servers (keep both in step).
 *
 * Why: guest RAM is a SharedArrayBuffer shared by the worker and the page, and browsers only allow
 * SharedArrayBuffer in a cross-origin isolated document: one served with COOP `same-origin` and COEP
 * `require-corp` (https://web.dev/articles/coop-coep). CORP `same-origin` on every response keeps our
 * own sub-resources loadable under `require-corp`.
 *
 * Except `?embed` documents, which are made for other sites' iframes: they get CORP `cross-origin`,
 * so that a page which is itself cross-origin isolated (COEP `require-corp`) may frame them; with
 * `same-origin` the browser refused the frame outright. (The iframe's `allow="cross-origin-isolated"`
 * then lets the embed be isolated too, and share guest RAM with its worker.)
 */

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** CORP of an `?embed` document: any site may embed it, isolated or not. */
export const EMBED_RESOURCE_POLICY = "cross-origin";

/** Whether `url` (absolute, or a path with its query) is an `?embed` document. */
export function isEmbedDocument(url: string): boolean {
  return new URL(url, "http://localhost").searchParams.has("embed");
}

/** The isolation headers for the response at `url`. */
export function isolationHeadersFor(url: string): Readonly<Record<string, string>> {
  return isEmbedDocument(url) ? { ...ISOLATION_HEADERS, "Cross-Origin-Resource-Policy": EMBED_RESOURCE_POLICY } : ISOLATION_HEADERS;
}

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
 * `response` (to a request for `url`) with the isolation headers added. A Response's headers are immutable once it came from
 * fetch() or the Cache API, so it is rebuilt around the same body stream (no copy). Opaque and
 * opaque-redirect responses (status 0) cannot be rebuilt and pass through unchanged; they never
 * occur for the same-origin requests we handle.
 */
export function withIsolationHeaders(response: Response, url = ""): Response {
  if (response.status === 0 || response.type === "opaque" || response.type === "opaqueredirect") return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(isolationHeadersFor(url))) headers.set(name, value);
  // Null-body statuses (204, 304) arrive with a null body, which the constructor accepts for them.
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
