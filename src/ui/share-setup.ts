/**
 * Wires share links into the page (main.tsx calls these): which guest the Workbench boots first,
 * the ShareController with the browser's fetch, clipboard and the assembler (for source recipes), and a link pasted into the address
 * bar of an open page (only its fragment changes, so the page does not reload: `hashchange`).
 */
import type { Assemble } from "./share-link";
import { LINUX_GUEST } from "../../workers/api";
import { fetchLinuxGuest } from "../../workers/linux-guest";
import { decodeFragment } from "../share/codec";
import { initialGuest } from "./guests";
import { ShareController, type WorkerTracker } from "./share-controller";
import type { PageRequest } from "./share-link";
import type { Workbench } from "./workbench";

/** The guest the Workbench boots first: a link's bundled guest, else `?guest=` or the default. */
export function initialGuestFor(request: PageRequest, search: string): string {
  const link = request.link;
  if (link?.ok && link.recipe.guest.kind === "bundled") return link.recipe.guest.file;
  if (link?.ok && link.recipe.guest.kind === "bundled-linux") return LINUX_GUEST;
  return initialGuest(search);
}

/** Fetches public/guests/<file> from the page's own origin, as the worker does. */
async function fetchBundled(file: string): Promise<Uint8Array> {
  const url = new URL(`guests/${file}`, location.origin + import.meta.env.BASE_URL);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  // vite preview's single-page fallback answers a missing file with index.html.
  if ((response.headers.get("content-type") ?? "").startsWith("text/html")) throw new Error(`${url.pathname}: not found`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A file served with the app (the bundled Linux guest's), or null when the server has none. */
async function fetchFile(path: string): Promise<Uint8Array | null> {
  const url = new URL(path, location.origin + import.meta.env.BASE_URL);
  const response = await fetch(url);
  if (response.status === 404 || (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/html"))) return null;
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Assembles a recipe's source with the playground's assembler (src/asm), loaded on first use so the
 * page's first paint does not wait for it. The first error, with its line, is the reason shown.
 */
export async function assembleSource(name: string, text: string): ReturnType<Assemble> {
  const { assemble } = await import("../asm");
  const result = assemble(text, { fileName: name });
  if (result.ok) return { bytes: result.bytes, lineMap: result.lineMap };
  const first = result.errors[0];
  const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : "";
  return { error: first ? `${first.file}:${first.line}: ${first.message}${more}` : "it produced no bytes" };
}

async function copyToClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function createShareController(workbench: Workbench, workers: WorkerTracker): ShareController {
  return new ShareController({
    workbench,
    workers,
    sources: { fetchBundled, fetchLinux: () => fetchLinuxGuest(fetchFile), assemble: assembleSource },
    origin: location.origin,
    pathname: location.pathname,
    copy: copyToClipboard,
  });
}

/** Opens the page's link, and any `#r=` link pasted into the address bar later. */
export function openLinks(share: ShareController, request: PageRequest): void {
  void share.openLink(request.link, request.embed);
  // The event's own URL, not location.hash: two quick changes fire two events after both have
  // happened, and each must open its own link (reading location.hash opened the last one twice).
  addEventListener("hashchange", (event: HashChangeEvent) => {
    const link = decodeFragment(new URL(event.newURL).hash);
    if (link) void share.openLink(link, request.embed);
  });
}
