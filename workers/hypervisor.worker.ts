/**
 * The hypervisor worker: one kernel, one process, one VMM, driven through HypervisorSession and
 * exposed to the page with Comlink (types in ./api.ts, the one module both sides import).
 *
 * Never import page code (src/ui) from here: it would drag React into the worker chunk.
 */
import * as Comlink from "comlink";
import type { GuestImage } from "./api";
import { prefetchingFetcher, prefetchingFiles } from "./guest-prefetch";
import { HypervisorSession } from "./hypervisor-session";
import { createZirconBackend } from "./zircon-backend";

/** Bundled guests are served from public/guests/ relative to the app's base URL. */
async function fetchGuestFile(name: string): Promise<GuestImage> {
  const url = new URL(`guests/${name}`, self.location.origin + import.meta.env.BASE_URL);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  // A single-page-app fallback (vite preview) answers a missing file with index.html: say so plainly.
  if ((response.headers.get("content-type") ?? "").startsWith("text/html")) throw new Error(`${url.pathname}: not found`);
  return { name, image: new Uint8Array(await response.arrayBuffer()) };
}

/** Bundled guests, the first of them fetched as the worker starts (guest-prefetch.ts). */
const fetchGuest = prefetchingFetcher(self.name, fetchGuestFile);

/**
 * A file served with the app (the bundled Linux guest's, under guests/linux/), or null when the
 * server has none: a 404, or the single-page fallback's index.html in its place.
 */
async function fetchServedFile(path: string): Promise<Uint8Array | null> {
  const url = new URL(path, self.location.origin + import.meta.env.BASE_URL);
  const response = await fetch(url);
  if (response.status === 404 || (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/html"))) return null;
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Served files, the Linux guest's first ones fetched as the worker starts when it boots first (guest-prefetch.ts). */
const fetchFile = prefetchingFiles(self.name, fetchServedFile);

const session = new HypervisorSession({ ...createZirconBackend({ fetchGuest }), fetchFile });

// Errors nobody caught still reach the page as readable events; the worker keeps serving.
self.addEventListener("error", (event: ErrorEvent) => {
  session.reportError(`uncaught error in the worker: ${event.message}`);
  event.preventDefault();
});
self.addEventListener("unhandledrejection", (event: PromiseRejectionEvent) => {
  session.reportError(`unhandled rejection in the worker: ${String(event.reason)}`);
  event.preventDefault();
});

Comlink.expose(session);
