/**
 * The worker's guest fetcher, with the first guest already on its way: the page names the worker
 * after the bundled guest it will boot first (api.ts hypervisorWorkerName), and the worker starts
 * fetching it as it starts, before the page's first calls reach it.
 */
import { prefetchedGuest, type GuestImage } from "./api";

/**
 * A fetchGuest that has begun fetching the guest `workerName` names (if any). The first request
 * for that guest takes those bytes (or that failure); later ones, and other guests, fetch anew.
 */
export function prefetchingFetcher(workerName: string, fetchFile: (name: string) => Promise<GuestImage>): (name: string) => Promise<GuestImage> {
  const early = new Map<string, Promise<GuestImage>>();
  const hinted = prefetchedGuest(workerName);
  if (hinted !== null) {
    const bytes = fetchFile(hinted);
    // Not an unhandled rejection if it fails before anyone asks for it.
    bytes.catch(() => {});
    early.set(hinted, bytes);
  }
  return (name) => {
    const bytes = early.get(name);
    if (bytes === undefined) return fetchFile(name);
    early.delete(name);
    return bytes;
  };
}
