/**
 * Page entry: make sure the page is cross-origin isolated (coi.ts), start the workbench (which
 * starts the hypervisor worker and boots the default guest), then load React and render the
 * panels (render.tsx) — in that order, so that the guest boots while the page builds itself.
 */
import "@xterm/xterm/css/xterm.css";
import "./styles.css";
import { ensureCrossOriginIsolated, setBackgroundGate } from "./coi";
import { guestBusy } from "./store";
import { applyTheme, initialTheme } from "./theme";
import { Workbench } from "./workbench";
// Share links: `#r=` recipes, `?embed` (src/share, src/ui/share-*).
import { trackWorkers } from "./share-controller";
import { readPageRequest } from "./share-link";
import { createShareController, initialGuestFor, openLinks } from "./share-setup";
import { loadTerminalModules } from "./terminal-modules";

async function main(): Promise<void> {
  const outcome = await ensureCrossOriginIsolated(import.meta.env.BASE_URL);
  if (outcome === "reloading") return;
  const request = readPageRequest(location.search, location.hash);
  const workers = trackWorkers();
  const workbench = new Workbench({
    isolated: globalThis.crossOriginIsolated === true,
    initialGuest: initialGuestFor(request, location.search),
    createWorker: workers.factory,
  });
  const theme = initialTheme();
  applyTheme(theme, false);
  workbench.store.update({ theme });
  workbench.start();
  // The service worker's install (coi.ts) waits while the guest computes flat out.
  setBackgroundGate(() => !guestBusy(workbench.store.getSnapshot()));
  const share = createShareController(workbench, workers);
  openLinks(share, request);
  // Exposed for debugging from the devtools console (and e2e diagnostics); not an API.
  (globalThis as { hvplay?: Workbench }).hvplay = workbench;
  // React and the panels load only now: the worker is already booting the guest meanwhile. The
  // terminal's modules download alongside React (not after the console mounts).
  void loadTerminalModules().catch(() => {});
  const { renderApp } = await import("./render");
  renderApp(document.getElementById("root")!, workbench, share, request.embed);
}

void main();
