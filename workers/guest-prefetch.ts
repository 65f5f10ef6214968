/**
 * The worker's fetchers, with the first guest already on its way: the page names the worker after
 * the bundled guest it will boot first (api.ts hypervisorWorkerName), and the worker starts
 * fetching its files as it starts, before the page's first calls reach it: a guest file of
 * public/guests/ (prefetchingFetcher), or the Linux guest's kernel and initrd (prefetchingFiles).
 */
import { LINUX_GUEST, prefetchedGuest, type GuestImage } from "./api";
import { LINUX_FIRST_FILES } from "./linux-guest";

/**
 * A fetchGuest that has begun fetching the guest file `workerName` names (if any). The first request
 * for that guest takes those bytes (or that failure); later ones, and other guests, fetch anew.
 */
export function prefetchingFetcher(workerName: string, fetchFile: (name: string) => Promise<GuestImage>): (name: string) => Promise<GuestImage> {
  const hinted = prefetchedGuest(workerName);
  return prefetching(hinted !== null && hinted !== LINUX_GUEST ? [hinted] : [], fetchFile);
}

/**
 * A fetchFile (a path under the app's base) that has begun fetching the Linux guest's first files
 * (LINUX_FIRST_FILES) when `workerName` names the Linux guest, on the same terms.
 */
export function prefetchingFiles(workerName: string, fetchFile: (path: string) => Promise<Uint8Array | null>): (path: string) => Promise<Uint8Array | null> {
  return prefetching(prefetchedGuest(workerName) === LINUX_GUEST ? LINUX_FIRST_FILES : [], fetchFile);
}

/** `fetch` with `keys` fetched now: the first request for each takes that result, later ones fetch anew. */
function prefetching<T>(keys: readonly string[], fetch: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const early = new Map<string, Promise<T>>();
  for (const key of keys) {
    const result = fetch(key);
    // Not an unhandled rejection if it fails before anyone asks for it.
    result.catch(() => {});
    early.set(key, result);
  }
  return (key) => {
    const result = early.get(key);
    if (result === undefined) return fetch(key);
    early.delete(key);
    return result;
  };
}
