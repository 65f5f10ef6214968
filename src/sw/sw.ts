/**
 * Hypervisor Playground's service worker (built by vite-plugin-pwa, `injectManifest`, to
 * `<base>sw.js`; registered by src/ui/coi.ts in production builds only). It does three jobs:
 *
 * 1. Offline and installable: at install it precaches the whole built app (index.html, every JS/CSS
 *    chunk including the lazy ones — Monaco and its editor worker, xterm, uPlot, the hypervisor
 *    worker —, the guest images in guests/, the icons and the manifest; the list and revisions are
 *    injected at build time into `self.__WB_MANIFEST`). Precached files are served cache-first;
 *    navigations to the app (`<base>`, any query) get the precached index.html, so the app starts
 *    with no network at all.
 *
 * 2. Cross-origin isolation on static hosts that cannot send headers: guest RAM is a
 *    SharedArrayBuffer, which needs a cross-origin isolated document (COOP same-origin + COEP
 *    require-corp). A service worker builds the responses it hands to its pages, headers included,
 *    so EVERY response this worker serves — precached, or fetched from the network — gets
 *    COOP/COEP/CORP (src/sw/isolation.ts). coi.ts reloads the page once after the first install so
 *    that the document itself comes through here. Where the server already sends the headers
 *    (`vite`, `vite preview`) setting them again is harmless.
 *
 * 3. The Content-Security-Policy (src/sw/csp.ts), for the same reason: a static host may send none.
 *    Every response it serves gets the policy `vite preview` would send for that URL: the page's,
 *    without frame-ancestors for `?embed` documents, and the hypervisor worker's script its own
 *    (the page's refuses eval; the worker's allows it, for the JIT).
 *
 * CSP-relevant facts: it only ever answers same-origin GET/HEAD requests, with content from this
 * origin (the precache or a same-origin fetch); cross-origin requests are not intercepted at all
 * (they go to the network untouched, and COEP still requires them to opt in). It imports no scripts
 * at run time (workbox is bundled in) and talks to no other origin.
 *
 * Updates: no skipWaiting and no clients.claim(). A new version installs in the background and
 * waits until every tab of the app is closed; the running session keeps the version it started with
 * (its lazy chunks included, still in the old precache), so a guest never breaks mid-session. The
 * first install has no predecessor and activates at once; coi.ts then reloads the page when it
 * needs the headers, and that load is controlled.
 */
/// <reference lib="webworker" />
import { PrecacheController, PrecacheRoute, cleanupOutdatedCaches } from "workbox-precaching";
import { Route, Router } from "workbox-routing";
import { withContentSecurityPolicy } from "./csp";
import { isAppShellNavigation, shouldHandle, withIsolationHeaders } from "./isolation";

declare let self: ServiceWorkerGlobalScope;

const precache = new PrecacheController();
// Adds the install (download everything) and activate (drop stale entries) listeners.
precache.precache(self.__WB_MANIFEST);
// Caches left by an older Workbox precache format.
cleanupOutdatedCaches();

// Our own router (not workbox's global one with its own fetch listener), so that every response,
// whichever route produced it, passes through withIsolationHeaders and withContentSecurityPolicy below.
const router = new Router();
// Hashed assets, guests, icons, `<base>` and `<base>index.html` (directoryIndex), exact URLs.
router.registerRoute(new PrecacheRoute(precache));
// `<base>?guest=hello.elf#r=...` and the like: the same app shell.
router.registerRoute(
  new Route(
    ({ request }) => isAppShellNavigation(request, self.registration.scope),
    precache.createHandlerBoundToURL("index.html"),
  ),
);

self.addEventListener("fetch", (event: FetchEvent) => {
  const { request } = event;
  if (!shouldHandle(request, self.location.origin)) return;
  // Anything not precached (none expected: a file added to public/ after the build, a dev
  // leftover) is fetched from the network as usual, and gets the headers too.
  const response = router.handleRequest({ event, request }) ?? fetch(request);
  event.respondWith(response.then((r) => withContentSecurityPolicy(withIsolationHeaders(r, request.url), request.url)));
});
